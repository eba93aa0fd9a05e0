/**
 * Web sessions in the browser: the session cookie, `c.var.signedIn`, the student guard and CSRF protection.
 *
 * - `sessionMiddleware()` reads the cookie and sets `c.var.signedIn` (who is signed in) when it names a live
 *   session; one read by primary key per request, a write at most once a minute.
 * - `requireStudent()` lets only signed-in students through; others go to `/login?return_to=<path>` (302).
 * - `csrfProtection()` refuses (403) a state-changing request unless it carries the session's token, as the
 *   hidden form field `_csrf` or the header `X-CSRF-Token` (htmx); `sameOrigin()` refuses (403) one that a
 *   browser says came from another site (Sec-Fetch-Site, Origin), for forms posted before sign-in.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type { LoadedWebSession, WebSessionStore } from '../data/web-sessions.js';
import type { AppEnv } from './context.js';
import type { SignedIn, SignedInStudent } from './signed-in.js';
import { prepareCookie, prepareCookieRemoval, prepareHeader } from './response-headers.js';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `__Host-sid` over HTTPS (bound to this host, Path=/, Secure), `sid` otherwise. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-sid' : 'sid';
}

/** A refused request (CSRF, foreign origin): the application answers it with a 403 page. */
export class ForbiddenError extends HTTPException {
  constructor(readonly reason: string) {
    super(403, { message: reason });
  }
}

/** Who a live web session signed in; the table's check constraint gives a student a person and staff a user. */
export function signedInFrom(row: LoadedWebSession): SignedIn {
  const common = { displayName: row.display_name, csrfToken: row.csrf_token, provider: row.provider };
  if (row.kind === 'student' && row.person_id !== null) {
    return { kind: 'student', personId: row.person_id, userId: null, ...common, ...(row.resultsVersion ? { resultsVersion: row.resultsVersion } : {}) };
  }
  if (row.kind === 'staff' && row.user_id !== null) return { kind: 'staff', userId: row.user_id, personId: null, ...common };
  throw new Error(`web session of kind ${row.kind} without its person or user`);
}

export function setSessionCookie(c: Context, token: string, secure: boolean): void {
  // No Max-Age: the browser forgets it when closed; the server ends it after idling or 12 hours in any case.
  prepareCookie(c, sessionCookieName(secure), token, { secure });
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  prepareCookieRemoval(c, sessionCookieName(secure), { secure });
}

export function sessionToken(c: Context, secure: boolean): string | undefined {
  return getCookie(c, sessionCookieName(secure));
}

export interface SessionMiddlewareOptions {
  store: WebSessionStore;
  secureCookies: boolean;
}

/** Sets `c.var.signedIn` from the session cookie; a cookie naming no live session is cleared. */
export function sessionMiddleware(options: SessionMiddlewareOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = sessionToken(c, options.secureCookies);
    if (token !== undefined) {
      const row = await options.store.load(token);
      if (row) c.set('signedIn', signedInFrom(row));
      else clearSessionCookie(c, options.secureCookies);
    }
    await next();
  };
}

/** Where a visitor without a session is sent: the sign-in page, returning to the page asked for. */
export function loginHref(returnTo?: string): string {
  return returnTo ? `/login?return_to=${encodeURIComponent(returnTo)}` : '/login';
}

/** Only signed-in students pass; anyone else is sent to sign in (302), and back here afterwards. */
export function requireStudent(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('signedIn')?.kind === 'student') return next();
    const url = new URL(c.req.url);
    const target = SAFE_METHODS.has(c.req.method) ? loginHref(url.pathname + url.search) : loginHref();
    if (c.req.header('HX-Request')) {
      // htmx follows a 302 inside fetch() and would swap the sign-in page into a fragment: ask for a full page.
      prepareHeader(c, 'HX-Redirect', target);
      return c.body(null, 204);
    }
    return c.redirect(target, SAFE_METHODS.has(c.req.method) ? 302 : 303);
  };
}

/** The student `requireStudent()` let through; a student route without it is a programming error. */
export function signedInStudent(c: Context<AppEnv>): SignedInStudent {
  const signedIn = c.get('signedIn');
  if (signedIn?.kind !== 'student') throw new Error('student route without requireStudent()');
  return signedIn;
}

/** Constant-time comparison of two tokens (of any lengths). */
export function tokensEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b) && expected.length === given.length;
}

async function submittedToken(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  // hono keeps the parsed body, so the route reads the same form again for free.
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const value = body[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Refuses (403) a state-changing request without the session's CSRF token in the form field `_csrf` or the
 * header `X-CSRF-Token`. Safe methods pass. Put it on every POST route of signed-in pages, after
 * `requireStudent()` where the route needs a student.
 */
export function csrfProtection(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const signedIn = c.get('signedIn');
    if (!signedIn) throw new ForbiddenError('csrf: no session');
    const given = await submittedToken(c);
    if (!given || !tokensEqual(signedIn.csrfToken, given)) throw new ForbiddenError('csrf: token missing or wrong');
    await next();
  };
}

/**
 * True when the browser says the request comes from this site: `Sec-Fetch-Site: same-origin` where sent, and
 * an `Origin` equal to the public address (or to the address the request was made to) where sent. A request
 * with neither header is refused: every current browser sends at least one with a form POST.
 */
export function isSameOriginRequest(c: Context, publicUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  const origin = c.req.header('origin');
  if (site === undefined && origin === undefined) return false;
  if (site !== undefined && site !== 'same-origin') return false;
  if (origin !== undefined && origin !== new URL(publicUrl).origin && origin !== new URL(c.req.url).origin) return false;
  return true;
}

/** Refuses (403) a state-changing request that a browser says came from another site. */
export function sameOrigin(publicUrl: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) && !isSameOriginRequest(c, publicUrl)) throw new ForbiddenError('foreign origin');
    await next();
  };
}
