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

/** Sends a page kept gzip-compressed: as it is when the browser accepts gzip, uncompressed otherwise. */
export function sendGzippedHtml(c: Context, gzip: Uint8Array, identity: () => Uint8Array): Response {
  if (acceptsGzip(c)) return pageResponse(c, gzip, 200, true);
  return pageResponse(c, identity(), 200, false);
}
