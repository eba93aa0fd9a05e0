/**
 * Bounded unpacking of ZIP files we did not write: the sizes an archive declares are claims, and inflation stops
 * on the bytes it actually produces.
 */
import { deflateRawSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { inflateBounded, InflateLimitError, MAX_STEP_OUTPUT, unzipBounded, ZipError } from '../src/unzip.js';
import { deflatedZeros, writeZip } from './support/lying-zip.js';

const MIB = 1024 * 1024;
const limits = { entries: 16, entryBytes: 5 * MIB, totalBytes: 10 * MIB };

function zipError(run: () => unknown): ZipError {
  try {
    run();
  } catch (error) {
    if (error instanceof ZipError) return error;
    throw error;
  }
  throw new Error('no ZipError was thrown');
}

describe('inflateBounded', () => {
  it('stops as soon as the output passes the limit, less than one step past it, whatever the input holds', async () => {
    const gigabyte = await deflatedZeros(1024);
    expect(gigabyte.length).toBeLessThan(1.1 * MIB);
    for (const limit of [0, 1000, MIB, 5 * MIB]) {
      const error = zipError(() => inflateBounded(gigabyte, limit));
      expect(error).toBeInstanceOf(InflateLimitError);
      expect(error.problem).toBe('entry-too-large');
      const produced = (error as InflateLimitError).produced;
      expect(produced).toBeGreaterThan(limit);
      expect(produced).toBeLessThanOrEqual(limit + MAX_STEP_OUTPUT);
    }
    // The one step a limit may be passed by is about a megabyte, a thousandth of what this input holds.
    expect(MAX_STEP_OUTPUT).toBeLessThanOrEqual(1.01 * MIB);
  });

  it('returns the content when it fits, up to exactly the limit', () => {
    const text = new TextEncoder().encode('kārtotāja kods;piedalījās;1. daļa\n'.repeat(50_000));
    expect(Buffer.from(inflateBounded(deflateRawSync(text), text.length)).equals(Buffer.from(text))).toBe(true);
    expect(zipError(() => inflateBounded(deflateRawSync(text), text.length - 1)).problem).toBe('entry-too-large');
    expect(inflateBounded(deflateRawSync(new Uint8Array(0)), 0)).toHaveLength(0);
  });

  it('refuses data that is not a whole DEFLATE stream', () => {
    const whole = deflateRawSync(Buffer.from('x'.repeat(10_000) + 'y'.repeat(10_000)));
    expect(zipError(() => inflateBounded(whole.subarray(0, whole.length - 4), MIB)).problem).toBe('not-a-zip');
    expect(zipError(() => inflateBounded(new TextEncoder().encode('not deflate at all'), MIB)).problem).toBe('not-a-zip');
  });
});

describe('unzipBounded', () => {
  const encode = (text: string) => new TextEncoder().encode(text);

  it('reads an ordinary archive, folders left out, in directory order', () => {
    const bytes = zipSync({
      'a.txt': encode('alpha'),
      'dir/': new Uint8Array(0),
      'dir/b.xml': [encode('<b/>'.repeat(1000)), { level: 9 }],
      'c.bin': [new Uint8Array(300), { level: 0 }],
    });
    const entries = unzipBounded(bytes, limits);
    expect(entries.map(([name, content]) => [name, content.length])).toEqual([
      ['a.txt', 5],
      ['dir/b.xml', 4000],
      ['c.bin', 300],
    ]);
  });

  it('refuses an entry that under-states its size, on the bytes it inflates to', async () => {
    const bytes = writeZip([{ name: 'sheet.xml', data: await deflatedZeros(64), deflated: true, declaredSize: 1000 }]);
    const error = zipError(() => unzipBounded(bytes, limits));
    expect(error.problem).toBe('entry-too-large');
    expect(error.limit).toBe(limits.entryBytes);
  });

  it('stops just past what an entry claims, even far below the limits', async () => {
    const bytes = writeZip([{ name: 'a.txt', data: await deflatedZeros(2), deflated: true, declaredSize: 10 }]);
    expect(zipError(() => unzipBounded(bytes, limits)).problem).toBe('entry-too-large');
  });

  it('refuses an entry smaller than it claims as damaged', () => {
    const bytes = writeZip([{ name: 'a.txt', data: deflateRawSync(Buffer.from('hello')), deflated: true, declaredSize: 11 }]);
    expect(zipError(() => unzipBounded(bytes, limits)).problem).toBe('not-a-zip');
  });

  it('holds the entries together to the total, on what they claim before inflating any', async () => {
    const four = await deflatedZeros(4);
    const bytes = writeZip(['a', 'b', 'c'].map((name) => ({ name, data: four, deflated: true, declaredSize: 4 * MIB })));
    const error = zipError(() => unzipBounded(bytes, limits));
    expect(error.problem).toBe('entry-too-large');
    expect(error.limit).toBe(limits.totalBytes);
    expect(unzipBounded(bytes, { ...limits, totalBytes: 12 * MIB }).map(([, content]) => content.length)).toEqual([4 * MIB, 4 * MIB, 4 * MIB]);
  });

  it('refuses declared sizes over a limit, too many entries, duplicate names and damaged archives before inflating', () => {
    const declaredHuge = writeZip([{ name: 'a', data: deflateRawSync(Buffer.from('a')), deflated: true, declaredSize: 6 * MIB }]);
    expect(zipError(() => unzipBounded(declaredHuge, limits)).problem).toBe('entry-too-large');
    const many = zipSync(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`${i}.txt`, encode(String(i))])));
    expect(zipError(() => unzipBounded(many, limits)).problem).toBe('too-many-entries');
    const twice = writeZip(['same.xml', 'same.xml'].map((name) => ({ name, data: encode('x'), deflated: false, declaredSize: 1 })));
    expect(zipError(() => unzipBounded(twice, limits)).problem).toBe('duplicate-entry');
    const whole = zipSync({ 'a.txt': encode('alpha') });
    expect(zipError(() => unzipBounded(whole.subarray(0, whole.length - 10), limits)).problem).toBe('not-a-zip');
    expect(zipError(() => unzipBounded(encode('PK not really'), limits)).problem).toBe('not-a-zip');
  });
});
