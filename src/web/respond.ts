/**
 * Sending a rendered page: encoded and, when the browser accepts it, gzip-compressed in one step. The results
 * page is the hot path on results day; going through a Response and back for compression cost more than
 * rendering the page.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { HtmlEscapedString } from 'hono/utils/html';
import { gzipEncoded, MIN_COMPRESSED_BYTES } from './compression.js';

const encoder = new TextEncoder();

export async function sendHtml(
  c: Context,
  content: string | HtmlEscapedString | Promise<HtmlEscapedString | string>,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  const bytes = encoder.encode(String(await content));
  c.header('Content-Type', 'text/html; charset=UTF-8');
  c.header('Vary', 'Accept-Encoding', { append: true });
  if (bytes.length >= MIN_COMPRESSED_BYTES && /\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) {
    c.header('Content-Encoding', 'gzip');
    return c.body(gzipEncoded(bytes) as Uint8Array<ArrayBuffer>, status);
  }
  return c.body(bytes as Uint8Array<ArrayBuffer>, status);
}

/** Sends a page kept gzip-compressed: as it is when the browser accepts gzip, uncompressed otherwise. */
export function sendGzippedHtml(c: Context, gzip: Uint8Array, identity: () => Uint8Array): Response {
  c.header('Content-Type', 'text/html; charset=UTF-8');
  c.header('Vary', 'Accept-Encoding', { append: true });
  if (/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) {
    c.header('Content-Encoding', 'gzip');
    return c.body(gzip as Uint8Array<ArrayBuffer>, 200);
  }
  return c.body(identity() as Uint8Array<ArrayBuffer>, 200);
}
