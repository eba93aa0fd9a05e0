/**
 * The headers the portal puts on its answers, in one place: the security policy, the request's id, a page's
 * caching, and the headers and cookies prepared before an answer is built.
 *
 * A page (src/web/respond.ts) is built with all of them at once, as a plain object that @hono/node-server writes
 * as it is. Any later `response.headers` access turns that object into a fetch `Headers`, which validates, sorts
 * and copies every header: on the results page that cost more than finding the page. So the middlewares that
 * complete other answers (`completeAnswers`, the metrics) leave a complete page alone.
 *
 * A header prepared before the answer (a language cookie, a `Retry-After`) is merged in by hono only when the
 * answer is built through the context. So every header and cookie is prepared here (`prepareHeader`,
 * `prepareCookie`, `prepareCookieRemoval`), which notes it, and a page is then built that way;
 * test/web/response-headers.test.ts keeps `.header()` and hono's cookie setters out of every other module of src/
 * and views/. A hono middleware that prepares headers itself before the handler (its requestId, secureHeaders, etag,
 * timing) would bypass this: the portal uses none, and one added must mark `preparedHeaders` too. Noting it by
 * replacing `c.header` on each request instead cost the results page a sixth of its time: hono's context then
 * changes shape on every request.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { compressAnswer } from './compression.js';

/** What these read from a request (a part of AppEnv in ./context.ts, which imports the static files through here). */
type HeaderEnv = { Variables: { signedIn?: unknown; requestId?: string; preparedHeaders?: boolean } };

/** The policy for every answer of the portal (the values hono's secureHeaders produced with our settings). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'same-origin',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'DENY',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
});

/** How long a page may be kept: a signed-in page stays out of caches and history (shared school computers). */
export function pageCaching(c: Context<HeaderEnv>): string {
  return c.get('signedIn') ? 'no-store' : 'private, no-cache';
}

const completePages = new WeakSet<Response>();

/** True for a page built by `pageResponse`: it carries every header already. */
export function isCompletePage(response: Response): boolean {
  return completePages.has(response);
}

/**
 * A page with every header the portal sets. Pages depend on the language cookie and on who is signed in, so they
 * vary by Cookie and are never shared between visitors.
 */
export function pageResponse(c: Context<HeaderEnv>, body: Uint8Array, status: number, gzip: boolean): Response {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/html; charset=UTF-8',
    Vary: 'Accept-Encoding, Cookie',
    'Cache-Control': pageCaching(c),
    'X-Request-Id': c.get('requestId') ?? '',
  };
  if (gzip) headers['Content-Encoding'] = 'gzip';
  const response = c.get('preparedHeaders')
    ? c.body(body as Uint8Array<ArrayBuffer>, status as 200, headers)
    : new Response(body as Uint8Array<ArrayBuffer>, { status, headers });
  completePages.add(response);
  return response;
}

/** Prepares a header of the answer still to be built (see above). */
export function prepareHeader(c: Context, name: string, value: string, options?: { append?: boolean }): void {
  c.set('preparedHeaders', true);
  c.header(name, value, options);
}

/**
 * Prepares one of the portal's cookies (./cookies.ts lists them all): for the whole site, never readable by
 * scripts, sent along when a visitor follows a link here (SameSite=Lax). Without `maxAgeSeconds` the browser
 * forgets it when closed.
 */
export function prepareCookie(c: Context, name: string, value: string, options: { secure: boolean; maxAgeSeconds?: number }): void {
  c.set('preparedHeaders', true);
  const maxAge = options.maxAgeSeconds === undefined ? {} : { maxAge: options.maxAgeSeconds };
  setCookie(c, name, value, { ...cookieAttributes(options.secure), ...maxAge });
}

/** Prepares the removal of a cookie `prepareCookie` set. */
export function prepareCookieRemoval(c: Context, name: string, options: { secure: boolean }): void {
  c.set('preparedHeaders', true);
  deleteCookie(c, name, cookieAttributes(options.secure));
}

/** What every cookie of the portal is set and removed with (a removal must name the same path and attributes). */
function cookieAttributes(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'Lax', secure } as const;
}

/**
 * Browsers show a PDF in a viewer page of their own, which the pages' policy (no plugins, no inline style) would
 * leave blank in Chromium: a PDF gets a policy that lets the viewer work and allows nothing else.
 */
const PDF_VIEWER_POLICY = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Completes, on its way out, any answer that is not a complete page: compressed where that helps, the security
 * policy (a PDF's own), the request id, a page's caching. One middleware for all of it, so a complete page passes
 * with a single check.
 */
export function completeAnswers(): MiddlewareHandler<HeaderEnv> {
  return async (c, next) => {
    await next();
    if (completePages.has(c.res)) return;
    await compressAnswer(c);
    const headers = c.res.headers;
    for (const name in SECURITY_HEADERS) headers.set(name, SECURITY_HEADERS[name]!);
    headers.delete('X-Powered-By');
    const requestId = c.get('requestId');
    if (requestId) headers.set('X-Request-Id', requestId);
    const type = headers.get('content-type');
    if (type?.startsWith('text/html')) {
      headers.set('Cache-Control', pageCaching(c));
      headers.append('Vary', 'Cookie');
    }
    if (type === 'application/pdf') headers.set('Content-Security-Policy', PDF_VIEWER_POLICY);
  };
}
