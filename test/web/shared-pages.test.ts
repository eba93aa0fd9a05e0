/**
 * Pages the same for every visitor who is not signed in (the home page, the sign-in choice) are compressed once and
 * their bytes kept: sent again for the same text, never for another, and made anew once the text changes (a
 * release moment passes).
 */
import { gunzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setReleaseMoments } from '../../src/data/catalogue.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import * as compression from '../../src/web/compression.js';
import type { AppEnv } from '../../src/web/context.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

vi.mock('../../src/web/compression.js', async (original) => {
  const actual = await original<typeof import('../../src/web/compression.js')>();
  return { ...actual, gzipEncoded: vi.fn(actual.gzipEncoded) };
});

const anyone: MiddlewareHandler<AppEnv> = (_c, next) => next();
const riga = (month: number, day: number, hour: number) => rigaToInstant({ year: 2026, month, day, hour, minute: 0 });

describe('pages the same for everyone not signed in', () => {
  let test: TestDatabase;
  let now = riga(6, 20, 12);
  let app: ReturnType<typeof createApp>;
  const compressions = () => vi.mocked(compression.gzipEncoded).mock.calls.length;
  const page = async (path: string, gzip = true) => {
    const response = await app.request(path, { headers: gzip ? { 'accept-encoding': 'gzip' } : {} });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    return response.headers.get('content-encoding') === 'gzip' ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  };

  beforeAll(async () => {
    test = await openTestDatabase('sqlite');
    await setReleaseMoments(test.handle.db, 'test', 2025, { basic: riga(6, 26, 9), secondary: riga(7, 3, 9) }, { now });
    app = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      clock: () => now,
      student: { requireStudent: anyone, lobby: { lobbyMs: 60 * 60_000, spreadMs: 60_000, keepAliveMs: 15 * 60_000 } },
    });
  });
  afterAll(async () => test?.close());

  it('compresses the home page once for many visitors, and anew when its text changes', async () => {
    const first = await page('/?lang=en');
    const before = compressions();
    for (let i = 0; i < 5; i++) expect(await page('/?lang=en')).toBe(first);
    expect(compressions()).toBe(before);
    expect(await page('/?lang=en', false)).toBe(first);
    // The other language is another page, with bytes of its own.
    const latvian = await page('/?lang=lv');
    expect(latvian).not.toBe(first);
    expect(latvian).toContain('lang="lv"');
    expect(compressions()).toBe(before + 1);

    // The basic education results open: the page says so at once.
    expect(first).toContain('basic education – open on 26.06.2026 at 09:00');
    now = riga(6, 26, 9);
    const after = await page('/?lang=en');
    expect(after).toContain('basic education – available since 26.06.2026 at 09:00');
    expect(compressions()).toBe(before + 2);
  });

  it('keeps a bounded number of pages, letting the oldest go', async () => {
    const home = await page('/?lang=en');
    // Asked with other query strings, the page links back to each in its language switch: many different pages,
    // which push the first out.
    for (let i = 0; i < 40; i++) expect(await page(`/?lang=en&n=${i}`)).toContain(`n=${i}`);
    const before = compressions();
    expect(await page('/?lang=en')).toBe(home);
    expect(compressions()).toBe(before + 1);
  });
});
