/**
 * Results pages rendered ahead of a release moment (src/web/results-ahead.ts): kept before the moment, served to
 * the student's first visit after it without rendering, never before it, and rendered anew after a change.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulCertificate } from '../../src/data/certificates.js';
import { createLogger } from '../../src/log.js';
import { defaultCountryDatabase } from '../../src/net/country-database.js';
import { createApp } from '../../src/web/app.js';
import { loadAssets } from '../../src/web/assets.js';
import type { AppEnv } from '../../src/web/context.js';
import { ResultsAhead } from '../../src/web/results-ahead.js';
import { ResultsPageCache } from '../../src/web/results-cache.js';
import { prepareHeader } from '../../src/web/response-headers.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import type { SeededSession } from '../support/register.js';
import { seedResultStates, type ResultStatePeople } from '../support/result-states.js';

/** 2025/26 secondary results: 3 July 2026 09:00 in Riga. */
const MOMENT = Date.parse('2026-07-03T06:00:00Z');
const LOBBY = { lobbyMs: 60 * 60_000, spreadMs: 60_000, keepAliveMs: 15 * 60_000 };

/** Signs in the person named by the request, under their register name, with a fresh session token each time. */
const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = Number(c.req.header('x-test-person'));
  const name = decodeURIComponent(c.req.header('x-test-name') ?? '');
  const csrfToken = randomBytes(32).toString('base64url');
  c.set('signedIn', { kind: 'student', personId: person, userId: null, displayName: name, csrfToken, provider: 'test' });
  prepareHeader(c, 'x-test-csrf', csrfToken);
  await next();
};

describe.each(DATABASE_KINDS)('results pages rendered ahead on %s', (kind) => {
  let test: TestDatabase;
  let ids: ResultStatePeople;
  let kumal: SeededSession;
  let now = new Date(MOMENT - 2 * 3_600_000);
  const assets = loadAssets();
  // The shipped country data, as the application uses when given none: its credit is in every page's footer.
  const countries = defaultCountryDatabase();
  const cache = new ResultsPageCache(8 * 1024 * 1024);
  let app: ReturnType<typeof createApp>;
  let ahead: ResultsAhead;

  const renderingAheadInto = (into: ResultsPageCache) =>
    new ResultsAhead({
      db: test.handle.db,
      cache: into,
      lobbyMs: LOBBY.lobbyMs,
      assets,
      contact: undefined,
      geoAttribution: () => countries.attribution(),
      log: createLogger('silent'),
      clock: () => now,
    });
  const nameOf = async (person: number) => {
    const row = await test.handle.db.selectFrom('persons').select(['first_name', 'last_name']).where('id', '=', person).executeTakeFirstOrThrow();
    return `${row.first_name} ${row.last_name}`;
  };
  const visit = async (person: number) => {
    const response = await app.request('/results', {
      headers: { 'x-test-person': String(person), 'x-test-name': encodeURIComponent(await nameOf(person)), 'accept-encoding': 'gzip' },
    });
    expect(response.status).toBe(200);
    const bytes = Buffer.from(await response.arrayBuffer());
    const html = (response.headers.get('content-encoding') === 'gzip' ? gunzipSync(bytes) : bytes).toString();
    return { html, csrf: response.headers.get('x-test-csrf')! };
  };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    ({ ids, kumal } = await seedResultStates(test.handle.db));
    app = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      assets,
      student: { requireStudent: testSignIn, clock: () => now, lobby: LOBBY, cache },
    });
    ahead = renderingAheadInto(cache);
  });
  afterAll(async () => test.close());

  it('renders nothing long before the moment, then every student of it within the hour before', async () => {
    expect(await ahead.run()).toBe(0);
    expect(cache.size).toBe(0);

    now = new Date(MOMENT - 30 * 60_000);
    const kept = await ahead.run();
    // Every student with a secondary exam of that year: the seeded result states and the KUMAL session's candidates.
    expect(kept).toBeGreaterThanOrEqual(kumal.candidateCodes.length);
    expect(cache.size).toBe(kept);
    // Rendered once: a later turn finds nothing more to do.
    expect(await ahead.run()).toBe(0);
  });

  it('serves nothing of it before the moment, and the kept page to the first visit after it, with that session’s token', async () => {
    const person = ids.get('result')!;
    const number = `2026/${kumal.candidateCodes[0]}-KUMAL`;
    now = new Date(MOMENT - 60_000);
    const lobby = await visit(person);
    expect(lobby.html).toContain('Rezultāti drīz būs pieejami');
    expect(lobby.html).not.toContain(number);

    now = new Date(MOMENT + 90_000);
    const { hits, misses } = cache;
    const first = await visit(person);
    expect(cache.hits).toBe(hits + 1);
    expect(cache.misses).toBe(misses);
    expect(first.html).toContain(number);
    expect(first.html).toContain('88&nbsp;%');
    expect(first.html).toContain(`name="_csrf" value="${first.csrf}"`);
    // The same kept page for the next sign-in, with its own token.
    const second = await visit(person);
    expect(second.csrf).not.toBe(first.csrf);
    expect(second.html).toBe(first.html.replace(first.csrf, second.csrf));
  });

  it('renders a student’s page anew after a change to their data', async () => {
    const person = ids.get('result')!;
    const number = `2026/${kumal.candidateCodes[0]}-KUMAL`;
    await annulCertificate(test.handle.db, number, 'Kļūda vērtējumā', { actor: 't', now: new Date(MOMENT + 100_000) });
    const { misses } = cache;
    const after = await visit(person);
    expect(cache.misses).toBe(misses + 1);
    expect(after.html).not.toContain('88&nbsp;%');
    expect(after.html).toContain('anulēts');
  });

  it('stops before the cache is full, keeping what students use', async () => {
    const small = new ResultsPageCache(3 * (cache.bytesKept / cache.size));
    const limited = renderingAheadInto(small);
    const kept = await limited.run();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(cache.size);
    expect(small.bytesKept).toBeLessThanOrEqual(small.maxBytes);
  });
});
