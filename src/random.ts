/**
 * Random bytes for tokens, nonces and keys' serial numbers, from the operating system's generator.
 *
 * Each call into Node's generator costs a few microseconds whatever its size (a job object is made and run for
 * it), and a sign-in needs half a dozen values of 12–32 bytes: its state, nonce and PKCE verifier, the login
 * cookie's IV, the session token and its CSRF token. So small values are cut from a larger draw, as Node itself
 * does for randomUUID(). Every byte is handed out once.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
/** Larger values are drawn on their own. */
const LARGEST_FROM_POOL = 256;

let pool = new Uint8Array(0);
let used = 0;

/** `length` fresh random bytes, a copy nobody else holds. */
export function randomBytesFromPool(length: number): Uint8Array {
  if (length > LARGEST_FROM_POOL) return randomFillSync(new Uint8Array(length));
  if (used + length > pool.byteLength) {
    pool = randomFillSync(new Uint8Array(POOL_BYTES));
    used = 0;
  }
  used += length;
  return pool.slice(used - length, used);
}

/** A random 32-byte value, base64url (43 characters): session and CSRF tokens, OpenID Connect state and nonce. */
export function randomToken(): string {
  const bytes = randomBytesFromPool(32);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
