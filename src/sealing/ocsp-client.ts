/**
 * Asking an OCSP responder (RFC 6960, over HTTP POST as in its appendix A) whether a certificate is good, for the
 * revocation values of a long-term (B-LT) signature. The answer is checked in full (checkOcspResponse) before
 * anyone may embed it.
 */
import { X509Certificate } from 'node:crypto';
import { HttpPostError, postDer } from './http-post.js';
import { OcspError } from './ocsp-error.js';
import { encodeCertId, encodeOcspRequest } from './ocsp-request.js';
import { checkOcspResponse, type CheckedOcspResponse } from './ocsp-response.js';

/** Largest answer accepted; real responses are one or two kilobytes. */
const MAX_RESPONSE_BYTES = 256 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Asks `url` about `certificate` (issued by `issuer`); the answer must be a checked response with status good. */
export async function requestOcsp(
  url: string,
  certificate: Uint8Array,
  issuer: Uint8Array,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<CheckedOcspResponse> {
  const request = encodeOcspRequest(encodeCertId(certificate, issuer));
  let body: Uint8Array;
  try {
    body = await postDer(url, request.der, {
      contentType: 'application/ocsp-request',
      accept: 'application/ocsp-response',
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      service: 'OCSP responder',
    });
  } catch (error) {
    if (!(error instanceof HttpPostError)) throw error;
    const reason = error.failure === 'status' ? 'rejected' : error.failure === 'too-large' ? 'malformed' : 'unreachable';
    throw new OcspError(reason, error.message, { cause: error.cause });
  }
  return checkOcspResponse(body, { certificate, issuer, nonce: request.nonce, now: (options.now ?? (() => new Date()))(), url });
}

/** The OCSP address in a certificate's AuthorityInfoAccess extension (id-ad-ocsp), if it names one. */
export function ocspUrlOf(certificate: Uint8Array): string | undefined {
  const infoAccess = new X509Certificate(certificate).infoAccess ?? '';
  return /^OCSP - URI:(\S+)$/m.exec(infoAccess)?.[1];
}
