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
import { fillGap, gzipWithGap, type GzipWithGap } from './gzip-gap.js';
import type { PageContext } from '../../views/layout.js';
import type { Language } from '../i18n.js';
import type { GeoAttribution } from '../net/country-database.js';

/**
 * What a kept page holds in place of the sign-out form's CSRF token, the one part of it that belongs to a sign-in
 * rather than to the student: each answer puts the session's own token there (./gzip-gap.ts). A page is so kept
 * for the student, not for one sign-in, and a page rendered before they sign in (./results-ahead.ts) serves them.
 * As long as a token (43 characters of base64url) and made of the same characters, so it is written as it is.
 */
export const SESSION_TOKEN_GAP = 'session-csrf-token-goes-here-in-each-answer';

const encoder = new TextEncoder();
const GAP_BYTES = encoder.encode(SESSION_TOKEN_GAP);

/**
 * What a kept page is rendered from besides the student's data (the version) and language (the cache's key), and so
 * must be the same for it to be served: their name in the header, the path (the language switch links back to it),
 * the geo data's credit. The static files' addresses and the contact are the same for the whole process.
 */
export function keptPageKey(version: string, page: { name: string; path: string; geoAttribution: GeoAttribution | undefined }): string {
  const geo = page.geoAttribution;
  return `${version}\n${page.name}\n${page.path}\n${geo ? `${geo.before ?? ''} ${geo.href} ${geo.label}` : ''}`;
}

/** The page's context with the gap in place of the session's token, to render a page to keep. */
export function withTokenGap(page: PageContext): PageContext {
  return page.user ? { ...page, user: { ...page.user, csrfToken: SESSION_TOKEN_GAP } } : page;
}

export interface CachedPage {
  version: string;
  /** The release moments the page depends on, and their state when it was rendered. */
  moments: readonly number[];
  timeState: string;
  /** Compressed once, with the gap for the token. */
  gzip: GzipWithGap;
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

  /**
   * Keeps a freshly rendered page (compressing it once), replacing this person's older one in this language. The
   * page holds SESSION_TOKEN_GAP exactly once, where the sign-out form's token goes.
   */
  put(personId: number, lang: Language, page: { version: string; moments: readonly number[]; timeState: string; body: Uint8Array }): CachedPage {
    const body = Buffer.from(page.body.buffer, page.body.byteOffset, page.body.byteLength);
    const at = body.indexOf(GAP_BYTES);
    if (at < 0 || body.indexOf(GAP_BYTES, at + 1) >= 0) {
      throw new Error('a kept results page must hold the session token gap exactly once');
    }
    const entry: CachedPage = {
      version: page.version,
      moments: page.moments,
      timeState: page.timeState,
      gzip: gzipWithGap(page.body.subarray(0, at), page.body.subarray(at + GAP_BYTES.byteLength), GAP_BYTES.byteLength),
    };
    const key = keyOf(personId, lang);
    this.remove(key);
    const cost = costOf(entry);
    if (cost > this.maxBytes) return entry;
    this.pages.set(key, entry);
    this.bytes += cost;
    this.evict();
    return entry;
  }

  /** Whether a session's token can go into a kept page: as long as the gap, as every token the portal makes is. */
  static fits(csrfToken: string): boolean {
    return Buffer.byteLength(csrfToken) === GAP_BYTES.byteLength;
  }

  /** The page for a session: gzip-compressed, with the session's CSRF token. */
  static gzipFor(page: CachedPage, csrfToken: string): Uint8Array {
    return fillGap(page.gzip, encoder.encode(csrfToken));
  }

  /** The page uncompressed, for the rare client that takes no gzip. */
  static identityFor(page: CachedPage, csrfToken: string): Uint8Array {
    return new Uint8Array(gunzipSync(ResultsPageCache.gzipFor(page, csrfToken)));
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
  return page.gzip.head.byteLength + page.gzip.tail.byteLength + page.moments.length * 8 + ENTRY_OVERHEAD;
}
