/**
 * Response compression for what this portal sends: small pages rendered whole in memory. gzip in one
 * synchronous call costs a few tens of microseconds for a page; hono's stream-based compress hands every
 * response through web streams and zlib's thread pool, which measured several times slower here.
 */
import { gzipSync, constants } from 'node:zlib';
import type { Context } from 'hono';

const COMPRESSIBLE = /^(text\/|application\/(json|javascript|xml|problem\+json)|image\/svg\+xml)/;
export const MIN_COMPRESSED_BYTES = 1024;

export function gzipEncoded(body: Uint8Array): Uint8Array {
  return gzipSync(body, { level: 6, memLevel: 8, strategy: constants.Z_DEFAULT_STRATEGY });
}

/**
 * Compresses the answer a handler built (`c.res`), when it is text worth compressing and the browser takes gzip.
 * Called on the way out by `completeAnswers` (./response-headers.ts) for every answer but a complete page, which
 * src/web/respond.ts sends encoded already.
 */
export async function compressAnswer(c: Context): Promise<void> {
  const res = c.res;
  // The headers first, and the type before anything else: asking a response the handler built for its body
  // turns it into a full fetch Response sent as a stream, which cost a redirect or a download more than all the
  // rest of its answer. A redirect has no type, a download is no text.
  if (!COMPRESSIBLE.test(res.headers.get('Content-Type') ?? '')) return;
  if (res.headers.has('Content-Encoding') || /Accept-Encoding/i.test(res.headers.get('Vary') ?? '') || c.req.method === 'HEAD' || !res.body) return;
  // Downloads (a CSV report) are streamed from storage: buffering them here would undo that.
  if (res.headers.has('Content-Disposition')) return;
  if (!/\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '')) return;
  const body = new Uint8Array(await res.arrayBuffer());
  const headers = new Headers(res.headers);
  headers.append('Vary', 'Accept-Encoding');
  if (body.length < MIN_COMPRESSED_BYTES) {
    c.res = new Response(body, { status: res.status, headers });
    return;
  }
  const compressed = gzipEncoded(body);
  headers.set('Content-Encoding', 'gzip');
  headers.set('Content-Length', String(compressed.length));
  c.res = new Response(compressed as Uint8Array<ArrayBuffer>, { status: res.status, headers });
}
