import { describe, expect, it } from 'vitest';
import { randomBytesFromPool, randomToken } from '../src/random.js';

describe('random bytes cut from a larger draw', () => {
  it('hands out each byte once, as copies that later draws leave alone', () => {
    // Over several draws of the pool, with sizes that do not divide it.
    const values = Array.from({ length: 1000 }, (_, i) => randomBytesFromPool(12 + (i % 21)));
    const kept = values.map((value) => Buffer.from(value).toString('hex'));
    for (let i = 0; i < 500; i++) randomBytesFromPool(32);
    expect(values.map((value) => Buffer.from(value).toString('hex'))).toEqual(kept);
    expect(values.every((value, i) => value.byteLength === 12 + (i % 21))).toBe(true);
    // 12 to 32 random bytes: any repeat would mean bytes handed out twice.
    expect(new Set(kept).size).toBe(kept.length);
    // Each value has its own memory, not a window on the pool.
    expect(new Set(values.map((value) => value.buffer)).size).toBe(values.length);
  });

  it('draws a large value on its own', () => {
    const large = randomBytesFromPool(5000);
    expect(large.byteLength).toBe(5000);
    expect(new Set(large).size).toBeGreaterThan(200);
  });

  it('makes tokens of 32 bytes in base64url', () => {
    const tokens = Array.from({ length: 200 }, () => randomToken());
    expect(tokens.every((token) => /^[A-Za-z0-9_-]{43}$/.test(token))).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
