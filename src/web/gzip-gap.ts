/**
 * A page compressed once and sent many times with a few bytes in the middle that differ for each visitor (the
 * sign-out form's CSRF token in a kept results page). Compressing the whole page for each visitor is what keeping
 * it was meant to avoid; so the part before the gap and the part after it are compressed once each, and each answer
 * puts the visitor's bytes between them uncompressed. Varnish does the same to put fragments into a gzip page.
 *
 * The result is one ordinary gzip member (RFC 1952) of three kinds of deflate block (RFC 1951): the part before,
 * ended with a full flush (which ends on a byte boundary, and after which nothing refers back); the gap as a stored
 * block; the part after, compressed on its own, as the final blocks. The trailer's CRC-32 of the whole is combined
 * from the parts' CRCs, as zlib's crc32_combine does, so the page is never read again.
 */
import { constants, deflateRawSync } from 'node:zlib';

export interface GzipWithGap {
  /** The gzip header and the part before the gap, compressed, ending on a byte boundary. */
  head: Uint8Array;
  /** The part after the gap, compressed, with the final block. */
  tail: Uint8Array;
  /** The CRC-32 of the part before, moved on by the gap's length (see crc32Combine): only the gap's own is added. */
  beforeCrcPastGap: number;
  afterCrc: number;
  /** x^(8·length of the part after) modulo the polynomial, which moves a CRC on past that part. */
  pastAfter: number;
  /** Of the whole page with a gap of `gapLength` bytes. */
  totalLength: number;
  gapLength: number;
}

/** A stored block holds at most this many bytes. */
const MAX_GAP = 65_535;

const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);

/** Compresses `before` and `after` once, for pages with a gap of exactly `gapLength` bytes between them. */
export function gzipWithGap(before: Uint8Array, after: Uint8Array, gapLength: number): GzipWithGap {
  if (!Number.isInteger(gapLength) || gapLength < 0 || gapLength > MAX_GAP) throw new RangeError(`a gap of ${gapLength} bytes cannot be a stored block`);
  const options = { level: 6, memLevel: 8, strategy: constants.Z_DEFAULT_STRATEGY };
  const head = Buffer.concat([GZIP_HEADER, deflateRawSync(before, { ...options, finishFlush: constants.Z_FULL_FLUSH })]);
  return {
    head,
    tail: deflateRawSync(after, options),
    // The gap's own CRC is added in each answer: combined here with a CRC of 0, the part before is moved past it.
    beforeCrcPastGap: crc32Combine(crc32(before), 0, gapLength),
    afterCrc: crc32(after),
    pastAfter: xToThe2PowerNTimes8(after.byteLength),
    totalLength: before.byteLength + gapLength + after.byteLength,
    gapLength,
  };
}

/** The whole page as gzip, with `gap` (exactly `gapLength` bytes) between the parts. */
export function fillGap(page: GzipWithGap, gap: Uint8Array): Uint8Array {
  if (gap.byteLength !== page.gapLength) throw new RangeError(`the gap takes ${page.gapLength} bytes, not ${gap.byteLength}`);
  const stored = new Uint8Array(5);
  // BFINAL 0, BTYPE 00 (stored), padded to the byte; then LEN and its one's complement, little-endian.
  stored[1] = gap.byteLength & 0xff;
  stored[2] = gap.byteLength >>> 8;
  stored[3] = ~gap.byteLength & 0xff;
  stored[4] = (~gap.byteLength >>> 8) & 0xff;
  // crc32Combine(crc32Combine(before, gap), after), with what depends only on the page worked out once.
  const crc = (multiplyModP(page.pastAfter, page.beforeCrcPastGap ^ crc32(gap)) ^ page.afterCrc) >>> 0;
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, crc, true);
  view.setUint32(4, page.totalLength >>> 0, true);
  return Buffer.concat([page.head, stored, gap, page.tail, trailer]);
}

// CRC-32 as gzip uses it (polynomial 0xedb88320, reflected), a byte at a time from a table.
const CRC_POLYNOMIAL = 0xedb88320;
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? CRC_POLYNOMIAL ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The CRC-32 of A followed by B from the CRC of each and B's length: A's CRC is moved on by B's length in bits
 * (multiplied by x^(8·length) modulo the polynomial), then B's is added. zlib's crc32_combine, in the form of
 * zlib 1.2.12 and later.
 */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xToThe2PowerNTimes8(lengthB), crcA) ^ crcB) >>> 0;
}

/** a(x)·b(x) modulo the CRC polynomial, in the reflected bit order CRC-32 uses. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ CRC_POLYNOMIAL : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, for k = 0 … 31. */
const X_TO_THE_2_POWER = (() => {
  const table = new Uint32Array(32);
  let p = 0x40000000; // x^1
  table[0] = p;
  for (let k = 1; k < 32; k++) table[k] = p = multiplyModP(p, p);
  return table;
})();

/** x^(8·n) modulo the polynomial: n bytes' worth of shifting. */
function xToThe2PowerNTimes8(n: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3
  while (n > 0) {
    if (n & 1) p = multiplyModP(X_TO_THE_2_POWER[k & 31]!, p);
    n >>>= 1;
    k++;
  }
  return p;
}
