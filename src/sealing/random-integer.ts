import { randomBytesFromPool } from '../random.js';

/** A random positive INTEGER value of `length` bytes in minimal DER form (first byte 0x01–0x7f): nonces, serials. */
export function randomPositiveInteger(length: number): Uint8Array {
  const bytes = randomBytesFromPool(length);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes;
}
