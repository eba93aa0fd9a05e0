import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Hono, type Context } from 'hono';
import { describe, expect, it, vi, type MockInstance } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { pageResponse, prepareCookie, prepareCookieRemoval, prepareHeader } from '../../src/web/response-headers.js';

const encoder = new TextEncoder();

/** A page as the portal sends one (src/web/respond.ts takes any context). */
const page = (c: Context) => pageResponse(c, encoder.encode('<p>page</p>'), 200, false);

function sourceFiles(folder: string): string[] {
  return readdirSync(join(PROJECT_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

describe('headers prepared before a page is built', () => {
  it('reach the page: a header, a cookie and a cookie removal, each with the portal’s cookie attributes', async () => {
    const app = new Hono();
    let throughContext: MockInstance | undefined;
    app.get('/', (c) => {
      throughContext = vi.spyOn(c, 'body');
      prepareHeader(c, 'Retry-After', '30');
      prepareCookie(c, 'lang', 'en', { secure: true, maxAgeSeconds: 600 });
      prepareCookieRemoval(c, 'login_state', { secure: false });
      return page(c);
    });
    const res = await app.request('/');
    expect(res.headers.get('retry-after')).toBe('30');
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^lang=en; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(cookies[1]).toMatch(/^login_state=; Max-Age=0; Path=\/; HttpOnly; SameSite=Lax$/);
    // The page's own headers are there as well.
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toBe('<p>page</p>');
    expect(throughContext).toHaveBeenCalledTimes(1);
  });

  it('a page without prepared headers is built without going through the context', async () => {
    const app = new Hono();
    let throughContext: MockInstance | undefined;
    app.get('/', (c) => {
      throughContext = vi.spyOn(c, 'body');
      return page(c);
    });
    const res = await app.request('/');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(throughContext).not.toHaveBeenCalled();
  });

  it('are prepared only through response-headers.ts, which notes them (no other module calls .header() or hono’s cookie setters)', () => {
    const own = join('src', 'web', 'response-headers.ts');
    const offenders = ['src', 'views']
      .flatMap(sourceFiles)
      .filter((file) => file !== own)
      .filter((file) => /(?<!\breq)\.header\(|\b(setCookie|deleteCookie|setSignedCookie)\b/.test(readFileSync(join(PROJECT_ROOT, file), 'utf8')))
      .map((file) => relative('.', file));
    expect(offenders).toEqual([]);
  });
});
