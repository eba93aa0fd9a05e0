/**
 * Asking an RFC 3161 time-stamp authority (TSA) over HTTP for a token over a SHA-256 digest, for the seal's
 * SignatureTimeStamp (XAdES B-T). The answer is checked by readTimestampResponse; the token's signature and chain
 * later, by verifyTimestampToken.
 */
import { algorithmIdentifier, encodeDer, Tag } from './der.js';
import { HttpPostError, postDer } from './http-post.js';
import { OID } from './oids.js';
import { randomPositiveInteger } from './random-integer.js';
import { TimestampError } from './timestamp-error.js';
import { readTimestampResponse } from './timestamp-response.js';

// RFC 5754: SHA-2 identifiers are generated without parameters.
const SHA256_IDENTIFIER = algorithmIdentifier(OID.sha256);

/** Largest TimeStampResp accepted from a TSA; real responses are a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Asks the TSA at `tsaUrl` for a time stamp over `messageDigestSha256` (the SHA-256 of the data to stamp; for
 * XAdES, of the canonicalised ds:SignatureValue element) and returns the DER of the TimeStampToken.
 * The response must be granted (or granted with modifications), for this digest and this request's nonce.
 * The token's signature and chain are checked later, by `verifyTimestampToken`.
 */
export async function requestTimestamp(tsaUrl: string, messageDigestSha256: Uint8Array, options: { timeoutMs?: number } = {}): Promise<Uint8Array> {
  const request = encodeTimestampRequest(messageDigestSha256);
  const body = await postTimestampQuery(tsaUrl, request.der, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return readTimestampResponse(body, messageDigestSha256, request.nonce, tsaUrl);
}

/** A DER TimeStampReq (v1, SHA-256 imprint, a fresh 64-bit nonce, certReq) and its nonce. */
export function encodeTimestampRequest(messageDigestSha256: Uint8Array): { der: Uint8Array; nonce: Uint8Array } {
  if (messageDigestSha256.byteLength !== 32) {
    throw new RangeError(`a SHA-256 digest has 32 bytes, not ${messageDigestSha256.byteLength}`);
  }
  const nonce = randomPositiveInteger(8);
  const der = encodeDer(
    Tag.sequence,
    encodeDer(Tag.integer, Uint8Array.of(1)),
    encodeDer(Tag.sequence, SHA256_IDENTIFIER, encodeDer(Tag.octetString, messageDigestSha256)),
    encodeDer(Tag.integer, nonce),
    encodeDer(Tag.boolean, Uint8Array.of(0xff)),
  );
  return { der, nonce };
}

/** POSTs the query and reads the answer (RFC 3161 §3.4), all within `timeoutMs`. */
async function postTimestampQuery(tsaUrl: string, requestDer: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  try {
    return await postDer(tsaUrl, requestDer, {
      contentType: 'application/timestamp-query',
      accept: 'application/timestamp-reply',
      timeoutMs,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      service: 'time-stamp authority',
    });
  } catch (error) {
    if (!(error instanceof HttpPostError)) throw error;
    const reason = error.failure === 'status' ? 'rejected' : error.failure === 'too-large' ? 'malformed' : 'unreachable';
    throw new TimestampError(reason, error.message, { cause: error.cause });
  }
}
