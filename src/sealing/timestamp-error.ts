export type TimestampErrorReason = 'unreachable' | 'rejected' | 'malformed' | 'mismatch' | 'untrusted';

/**
 * Why a time stamp could not be obtained or accepted:
 * - `unreachable`: no answer from the TSA (network error, refused connection, timeout);
 * - `rejected`: the TSA answered with an HTTP error or a TimeStampResp status other than granted;
 * - `malformed`: the answer or the token cannot be parsed or lacks a required part;
 * - `mismatch`: the token is for another digest or request (imprint, nonce), or its signature does not cover
 *   its content (the token was altered);
 * - `untrusted`: the signer cannot be tied to a trusted root, is not a time-stamping certificate, or is not the
 *   certificate named in the signed signing-certificate attribute.
 */
export class TimestampError extends Error {
  override readonly name = 'TimestampError';
  constructor(
    readonly reason: TimestampErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error's message with its cause's, for the message of a TimestampError that wraps it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
