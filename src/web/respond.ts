/**
 * Sending a rendered page: encoded and, when the browser accepts it, gzip-compressed in one step, with every header
 * at once (./response-headers.ts). The results page is the hot path on results day; going through a Response and
 * back for compression cost more than rendering the page.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { HtmlEscapedString } from 'hono/utils/html';
import { gzipEncoded, MIN_COMPRESSED_BYTES } from './compression.js';
import { pageResponse } from './response-headers.js';

const encoder = new TextEncoder();

function acceptsGzip(c: Context): boolean {
  return /\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '');
}

export async function sendHtml(
  c: Context,
  content: string | HtmlEscapedString | Promise<HtmlEscapedString | string>,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  const bytes = encoder.encode(String(await content));
  if (bytes.length >= MIN_COMPRESSED_BYTES && acceptsGzip(c)) return pageResponse(c, gzipEncoded(bytes), status, true);
  return pageResponse(c, bytes, status, false);
}

/**
 * Pages that are the same for everyone who sees them (the home page, the sign-in choice), compressed, by their text:
 * on results day they are the first pages of tens of thousands, and compressing one cost as much as rendering it.
 * The key is the whole text, so a page is only ever answered with its own bytes. The page used longest ago is let
 * go first: pages asked with many different query strings push out only pages that few ask for, since a page
 * many ask for is used again before 32 others are.
 */
const compressedSharedPages = new Map<string, Uint8Array>();
const KEPT_SHARED_PAGES = 32;

/**
 * Sends a page as sendHtml does, for a page that many visitors get alike: its compressed bytes are kept and sent
 * again whenever the same text is rendered. Not for pages with anything personal in them, which would be kept too;
 * a signed-in visitor's page (which names them) is sent by sendHtml.
 */
export async function sendSharedHtml(c: Context, content: string | HtmlEscapedString | Promise<HtmlEscapedString | string>): Promise<Response> {
  const text = String(await content);
  if (c.get('signedIn') !== undefined || !acceptsGzip(c)) return sendHtml(c, text);
  let gzip = compressedSharedPages.get(text);
  if (gzip) {
    // Used again: now the newest.
    compressedSharedPages.delete(text);
  } else {
    const bytes = encoder.encode(text);
    if (bytes.length < MIN_COMPRESSED_BYTES) return pageResponse(c, bytes, 200, false);
    gzip = gzipEncoded(bytes);
    if (compressedSharedPages.size >= KEPT_SHARED_PAGES) compressedSharedPages.delete(compressedSharedPages.keys().next().value!);
  }
  compressedSharedPages.set(text, gzip);
  return pageResponse(c, gzip, 200, true);
}

/** Sends a page kept gzip-compressed: as it is when the browser accepts gzip, uncompressed otherwise. */
export function sendGzippedHtml(c: Context, gzip: Uint8Array, identity: () => Uint8Array): Response {
  if (acceptsGzip(c)) return pageResponse(c, gzip, 200, true);
  return pageResponse(c, identity(), 200, false);
}
