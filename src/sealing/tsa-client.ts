/**
 * Asking an RFC 3161 time-stamp authority (TSA) over HTTP for a token over a SHA-256 digest, for the seal's
 * SignatureTimeStamp (XAdES B-T). The answer is checked by readTimestampResponse; the token's signature and chain
 * later, by verifyTimestampToken.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { algorithmIdentifier, encodeDer, Tag } from './der.js';
import { OID } from './oids.js';
import { randomPositiveInteger } from './random-integer.js';
import { describeError, TimestampError } from './timestamp-error.js';
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

/**
 * POSTs the query and reads the answer (RFC 3161 §3.4), all within `timeoutMs`. node:http rather than fetch:
 * fetch's web streams cost several times the CPU of making and checking the time stamp itself.
 */
async function postTimestampQuery(tsaUrl: string, requestDer: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await openResponse(tsaUrl, requestDer, abort.signal);
    return await readLimited(response, MAX_RESPONSE_BYTES, tsaUrl, abort.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The TSA's answer once its headers are in; it must be a success (2xx). */
async function openResponse(tsaUrl: string, requestDer: Uint8Array, signal: AbortSignal): Promise<IncomingMessage> {
  let response: IncomingMessage;
  try {
    response = await sendPost(new URL(tsaUrl), requestDer, signal);
  } catch (error) {
    throw new TimestampError('unreachable', `time-stamp authority ${tsaUrl} did not answer: ${describeError(error)}`, {
      cause: error,
    });
  }
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.destroy();
    throw new TimestampError('rejected', `time-stamp authority ${tsaUrl} answered HTTP ${status}`);
  }
  return response;
}

function sendPost(url: URL, body: Uint8Array, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`${url.protocol} is not HTTP`);
  const headers = {
    'Content-Type': 'application/timestamp-query',
    Accept: 'application/timestamp-reply',
    'Content-Length': body.byteLength,
  };
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method: 'POST', headers, signal }, resolve);
    request.on('error', reject);
    request.end(body);
  });
}

/** The body of the answer; more than `limit` bytes, or a body that breaks off, is refused. */
async function readLimited(response: IncomingMessage, limit: number, url: string, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    response.destroy();
    throw new TimestampError('malformed', `the answer of ${url} is too large (${declared} bytes)`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > limit) {
        response.destroy();
        throw new TimestampError('malformed', `the answer of ${url} is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof TimestampError) throw error;
    const why = describeError(signal.aborted ? signal.reason : error);
    throw new TimestampError('unreachable', `the answer of ${url} broke off: ${why}`, { cause: error });
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
