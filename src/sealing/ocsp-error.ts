export type OcspErrorReason = 'no-address' | 'unreachable' | 'rejected' | 'malformed' | 'mismatch' | 'untrusted' | 'revoked' | 'unknown' | 'not-fresh';

/**
 * Why no usable OCSP response was had for a certificate (RFC 6960), so that a document cannot reach B-LT:
 * - `no-address`: neither the certificate nor the settings name a responder;
 * - `unreachable`: no answer (network error, refused connection, timeout);
 * - `rejected`: an HTTP error, or an OCSPResponse status other than successful;
 * - `malformed`: the answer cannot be read or lacks a required part;
 * - `mismatch`: the answer is for another certificate or another request (nonce);
 * - `untrusted`: the signature does not verify, or the signer is neither the issuing CA nor a responder it
 *   authorised (a certificate it issued with the OCSP-signing extended key usage);
 * - `revoked`, `unknown`: the certificate's status is not good;
 * - `not-fresh`: the response was produced before the time-stamp, too long after it, or is outside its
 *   thisUpdate–nextUpdate window.
 * Sealing treats each as it treats a time-stamp failure: that document is not stored, and is tried again later.
 */
export class OcspError extends Error {
  override readonly name = 'OcspError';
  constructor(
    readonly reason: OcspErrorReason,
    message: string,
    options?: { cause?: unknown; revokedAt?: Date },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.revokedAt) this.revokedAt = options.revokedAt;
  }

  /** With `revoked`: when the responder says the certificate was revoked. */
  readonly revokedAt?: Date;
}
