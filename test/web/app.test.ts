import { gunzipSync } from 'node:zlib';
import { HTTPException } from 'hono/http-exception';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { PoolBusyError } from '../../src/sealing/pool.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

describe('the portal shell', () => {
  let test: TestDatabase;
  const logLines: string[] = [];
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    test = await openTestDatabase('sqlite');
    app = createApp({ db: test.handle.db, log: createLogger('info', (line) => logLines.push(line)) });
  });
  afterAll(async () => test.close());

  it('speaks Latvian by default', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^<!doctype html>/);
    expect(body).toContain('<html lang="lv">');
    expect(body).toContain('Centralizēto eksāmenu rezultāti un sertifikāti');
    expect(body).toContain('href="/?lang=en"');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('switches to English with ?lang=en, remembers it in a cookie, and switches back', async () => {
    const res = await app.request('/?lang=en');
    expect(await res.text()).toContain('<html lang="en">');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^lang=en;/);
    expect(cookie).toMatch(/HttpOnly/);
    const next = await app.request('/', { headers: { cookie: 'lang=en' } });
    const body = await next.text();
    expect(body).toContain('Centralised exam results and certificates');
    expect(body).toContain('href="/?lang=lv"');
    expect(next.headers.get('set-cookie')).toBeNull();
    expect(await (await app.request('/?lang=lv', { headers: { cookie: 'lang=en' } })).text()).toContain('<html lang="lv">');
    expect(await (await app.request('/?lang=de')).text()).toContain('<html lang="lv">');
  });

  it('answers an unknown page with a 404 page in the visitor’s language', async () => {
    const lv = await app.request('/nav-tadas-lapas');
    expect(lv.status).toBe(404);
    expect(await lv.text()).toContain('Lapa nav atrasta');
    const en = await app.request('/no-such-page', { headers: { cookie: 'lang=en' } });
    expect(en.status).toBe(404);
    expect(await en.text()).toContain('Page not found');
  });

  it('answers an unexpected error with a 500 page carrying a reference, and logs it', async () => {
    const failing = createApp({ db: test.handle.db, log: createLogger('info', (line) => logLines.push(line)) });
    failing.get('/boom', () => {
      throw new Error('kaboom');
    });
    const res = await failing.request('/boom?lang=en');
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('Something went wrong');
    expect(body).toContain(res.headers.get('x-request-id')!);
    expect(body).not.toContain('kaboom');
    expect(logLines.some((l) => l.includes('kaboom'))).toBe(true);
  });

  it('reports health with the database checked, and the age of the geo data', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      geo: { builtAt: expect.any(String), ageDays: expect.any(Number), maxAgeDays: 35, stale: expect.any(Boolean) },
    });
  });

  it('sends the security headers on every kind of answer: a page, a page with a cookie, a file, JSON, a 404', async () => {
    const page = await (await app.request('/')).text();
    const css = /href="(\/static\/app\.[0-9a-f]{10}\.css)"/.exec(page)![1]!;
    const answers = {
      page: await app.request('/', { headers: { 'accept-encoding': 'gzip' } }),
      'page setting a cookie': await app.request('/?lang=en'),
      file: await app.request(css),
      json: await app.request('/healthz'),
      'not found': await app.request('/no-such-page'),
    };
    for (const [kind, res] of Object.entries(answers)) {
      expect(res.headers.get('content-security-policy'), kind).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy'), kind).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), kind).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), kind).toBe('DENY');
      expect(res.headers.get('strict-transport-security'), kind).toContain('max-age=');
      expect(res.headers.get('referrer-policy'), kind).toBe('same-origin');
      expect(res.headers.get('cross-origin-opener-policy'), kind).toBe('same-origin');
      expect(res.headers.get('x-request-id'), kind).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Pages are never shared between visitors, and the cookie a page sets is not lost on the way.
    for (const kind of ['page', 'page setting a cookie', 'not found'] as const) {
      expect(answers[kind].headers.get('cache-control'), kind).toBe('private, no-cache');
      expect(answers[kind].headers.get('vary'), kind).toContain('Cookie');
    }
    expect(answers.page.headers.get('content-encoding')).toBe('gzip');
    expect(answers['page setting a cookie'].headers.get('set-cookie')).toMatch(/^lang=en;/);
    expect(answers.file.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves the stylesheet under a content hash with immutable caching, compressed on request', async () => {
    const page = await (await app.request('/')).text();
    const href = /href="(\/static\/app\.[0-9a-f]{10}\.css)"/.exec(page)![1]!;
    const res = await app.request(href, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const css = gunzipSync(Buffer.from(await res.arrayBuffer())).toString();
    expect(css).toContain('--accent');
    expect((await app.request('/static/app.0000000000.css')).status).toBe(404);
  });

  it('logs each request as structured JSON without a personal code, however it is written', async () => {
    logLines.length = 0;
    const disguises = ['161175-19997', '16117519997', '161175%2D19997', '%3161175-19997', '161175+19997', '161175%2019997', '161175.19997', 'x-16117519997'];
    for (const code of disguises) await app.request(`/anything?code=${code}`);
    await app.request('/p/161175%2D19997/x');
    const lines = logLines.filter((l) => l.includes('"msg":"request"'));
    expect(lines).toHaveLength(disguises.length + 1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', method: 'GET', status: 404, path: '/anything', query: ['code'] });
    for (const line of lines) expect(line).not.toContain('19997');
    expect(lines.at(-1)).toContain('/p/161175-*****/x');
  });

  it('marks pages private and varying by cookie, and keeps the language cookie secure where asked', async () => {
    const res = await app.request('/');
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('vary')).toMatch(/Cookie/);
    const secure = createApp({ db: test.handle.db, log: createLogger('silent'), secureCookies: true });
    expect((await secure.request('/?lang=en')).headers.get('set-cookie')).toMatch(/; Secure/);
    expect((await app.request('/?lang=en')).headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('answers a full sealing queue at once with 503 and Retry-After', async () => {
    const busy = createApp({ db: test.handle.db, log: createLogger('silent') });
    busy.get('/seal', () => {
      throw new PoolBusyError(2);
    });
    const res = await busy.request('/seal?lang=en');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.text()).toContain('Too busy right now');
  });

  it('answers a refused request with the matching page, not a 500', async () => {
    const strict = createApp({ db: test.handle.db, log: createLogger('silent') });
    strict.get('/too-big', () => {
      throw new HTTPException(413);
    });
    const res = await strict.request('/too-big?lang=en');
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('File too large');
  });
});
