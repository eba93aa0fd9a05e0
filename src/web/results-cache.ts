/**
 * Each student's rendered results page, per language, kept compressed until anything on it changes, so that on
 * results day a request costs a session look-up, one version read and a copy of bytes.
 *
 * A kept page is served only when all of these are what they were when it was rendered:
 * - the person and the language (the key: nobody is ever served another's page);
 * - the version of their data and of the shared catalogue, which the database moves on every write
 *   (src/data/student-results.ts, resultsVersion; migration 0020), so a change made by another instance shows here
 *   at once;
 * - what time alone decides (src/domain/lobby.ts, resultsTimeState): a page rendered before a release moment is
 *   never served after it, nor one rendered after it served before it (a clock set back, in a test or otherwise).
 *
 * Memory is bounded: least recently used pages go first once the bytes kept pass the cap.
 */
import { gunzipSync } from 'node:zlib';
import { gzipEncoded } from './compression.js';
import type { Language } from '../i18n.js';

export interface CachedPage {
  version: string;
  /** The release moments the page depends on, and their state when it was rendered. */
  moments: readonly number[];
  timeState: string;
  gzip: Uint8Array;
  /** The uncompressed page, kept only once a client that takes no gzip asked for it. */
  identity?: Uint8Array;
}

/** Bytes counted for an entry besides its pages: the key, the moments, the map's own share. */
const ENTRY_OVERHEAD = 256;

export class ResultsPageCache {
  private readonly pages = new Map<string, CachedPage>();
  private bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.pages.size;
  }

  get bytesKept(): number {
    return this.bytes;
  }

  /** The kept page of this person in this language if it is still the right one; undefined otherwise. */
  get(personId: number, lang: Language, version: string, timeStateNow: (moments: readonly number[]) => string): CachedPage | undefined {
    const key = keyOf(personId, lang);
    const page = this.pages.get(key);
    if (!page || page.version !== version || page.timeState !== timeStateNow(page.moments)) {
      this.misses++;
      return undefined;
    }
    // Most recently used last: Map keeps insertion order.
    this.pages.delete(key);
    this.pages.set(key, page);
    this.hits++;
    return page;
  }

  /** Keeps a freshly rendered page (compressing it once), replacing this person's older one in this language. */
  put(personId: number, lang: Language, page: { version: string; moments: readonly number[]; timeState: string; body: Uint8Array }): CachedPage {
    const entry: CachedPage = { version: page.version, moments: page.moments, timeState: page.timeState, gzip: gzipEncoded(page.body) };
    const key = keyOf(personId, lang);
    this.remove(key);
    const cost = costOf(entry);
    if (cost > this.maxBytes) return entry;
    this.pages.set(key, entry);
    this.bytes += cost;
    this.evict();
    return entry;
  }

  /** The page uncompressed, for the rare client that takes no gzip; kept with it when it is in the cache. */
  identity(personId: number, lang: Language, page: CachedPage): Uint8Array {
    if (page.identity) return page.identity;
    const body = new Uint8Array(gunzipSync(page.gzip));
    if (this.pages.get(keyOf(personId, lang)) === page) {
      page.identity = body;
      this.bytes += body.length;
      this.evict();
    }
    return body;
  }

  /** Drops the least recently used pages until the bytes kept are within the cap. */
  private evict(): void {
    for (const [oldest] of this.pages) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const old = this.pages.get(key);
    if (!old) return;
    this.pages.delete(key);
    this.bytes -= costOf(old);
  }
}

function keyOf(personId: number, lang: Language): string {
  return `${personId}:${lang}`;
}

function costOf(page: CachedPage): number {
  return page.gzip.length + (page.identity?.length ?? 0) + page.moments.length * 8 + ENTRY_OVERHEAD;
}
