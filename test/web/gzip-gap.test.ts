import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Combine, fillGap, gzipWithGap } from '../../src/web/gzip-gap.js';

describe('a gzip page with a gap filled for each answer', () => {
  const encoder = new TextEncoder();

  it('is the whole page for gunzip, which checks its CRC-32 and length, for any bytes in the gap', () => {
    const before = encoder.encode(`<!doctype html><head>${'<link rel="stylesheet" href="/static/app.css">'.repeat(40)}<input name="_csrf" value="`);
    const after = encoder.encode(`"></form>${'<tr><td>Matemātika</td><td>88&nbsp;%</td></tr>'.repeat(300)}</html>`);
    const page = gzipWithGap(before, after, 43);
    for (let i = 0; i < 20; i++) {
      const gap = encoder.encode(randomBytes(32).toString('base64url'));
      const whole = Buffer.concat([before, gap, after]);
      const sent = fillGap(page, gap);
      expect(gunzipSync(sent).equals(whole)).toBe(true);
      // Compressed once in two parts, it stays close to the whole page compressed in one go.
      expect(sent.byteLength).toBeLessThan(gzipSync(whole).byteLength * 1.1 + 64);
    }
  });

  it('takes empty parts, an empty gap and binary bytes', () => {
    for (const [before, gap, after] of [
      [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)],
      [new Uint8Array(0), randomBytes(100), randomBytes(5000)],
      [randomBytes(70_000), randomBytes(65_535), new Uint8Array(0)],
    ] as const) {
      const sent = fillGap(gzipWithGap(before, after, gap.byteLength), gap);
      expect(gunzipSync(sent).equals(Buffer.concat([before, gap, after]))).toBe(true);
    }
  });

  it('refuses a gap of another length, or one a stored block cannot hold', () => {
    const page = gzipWithGap(encoder.encode('a'), encoder.encode('b'), 3);
    expect(() => fillGap(page, encoder.encode('four'))).toThrow(RangeError);
    expect(() => gzipWithGap(encoder.encode('a'), encoder.encode('b'), 65_536)).toThrow(RangeError);
  });

  it('combines CRC-32s as computing it over the whole would', () => {
    for (const [a, b] of [
      [randomBytes(1000), randomBytes(777)],
      [randomBytes(1), randomBytes(100_000)],
      [randomBytes(0), randomBytes(10)],
      [randomBytes(10), randomBytes(0)],
    ] as const) {
      expect(crc32Combine(crc32(a), crc32(b), b.byteLength)).toBe(crc32(Buffer.concat([a, b])));
    }
    // The check value of the CRC-32 that gzip uses.
    expect(crc32(encoder.encode('123456789'))).toBe(0xcbf43926);
  });
});
