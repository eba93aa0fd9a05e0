import { randomFillSync } from 'node:crypto';

/** A random positive INTEGER value of `length` bytes in minimal DER form (first byte 0x01–0x7f): nonces, serials. */
export function randomPositiveInteger(length: number): Uint8Array {
  const bytes = randomBytesFromPool(length);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes;
}

// Each call into the system's random generator costs microseconds whatever its size, and every time stamp needs
// a nonce or a serial number: take them from a larger draw.
let randomPool = new Uint8Array(0);
let randomPoolOffset = 0;

function randomBytesFromPool(length: number): Uint8Array {
  if (length > 256) return randomFillSync(new Uint8Array(length));
  if (randomPoolOffset + length > randomPool.byteLength) {
    randomPool = randomFillSync(new Uint8Array(4096));
    randomPoolOffset = 0;
  }
  randomPoolOffset += length;
  return randomPool.slice(randomPoolOffset - length, randomPoolOffset);
}
