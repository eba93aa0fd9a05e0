/**
 * `/metrics` for Prometheus: only with the token (without it, or with no token configured, the same 404 as any
 * missing page), and its text read back by an independent Prometheus text-format parser, holding the metrics the
 * people on duty need, labelled by route pattern (never a raw path with a personal code or a token in it). The
 * agency's results-day page shows the same figures, to agency staff only.
 */
import { ResultsPageCache, SESSION_TOKEN_GAP } from '../../src/web/results-cache.js';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { loadConfig } from '../../src/config.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { WaitingRoom } from '../../src/web/waiting-room.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { agencyUser, schoolUser } from '../support/staff.js';
import { seedSession, validPersonalCode } from '../support/register.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';

const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';
const PUBLIC_URL = 'http://127.0.0.1:3000';

it('reads METRICS_TOKEN: none by default, and only a long one', () => {
  expect(loadConfig({}).metricsToken).toBeUndefined();
  expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
  expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be 32/);
});

describe.each(DATABASE_KINDS)('metrics on %s', (kind) => {
  let database: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let sessions: WebSessionStore;
  // The last-minute figures count whole seconds: the test moves this clock on before reading them.
  let now = Date.parse('2026-07-03T06:00:00Z');

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const db = database.handle.db;
    sessions = new WebSessionStore(db, { idleMinutes: 30, touchDelayMs: 0 });
    const room = await WaitingRoom.open({ db, secureCookies: false });
    app = createApp({
      db,
      log: createLogger('silent'),
      overload: { maxLagMs: 60_000, maxInFlight: 1000, waitingRoom: room },
      auth: {
        sessions,
        // A provider that is never reached: the callbacks below fail on their missing state first.
        oidc: new OidcLogin({ publicUrl: PUBLIC_URL, providers: { eklase: { issuer: 'http://127.0.0.1:9/', clientId: 'c', clientSecret: 's' } } }),
        environment: 'test',
        publicUrl: PUBLIC_URL,
      },
      staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS } },
      metrics: { token: TOKEN, sources: { sealingQueue: () => 3, databasePool: database.handle.pool, resultsPages, clock: () => now } },
    });
  });
  afterAll(async () => database?.close());

  // Two kept pages, one answered from three times, and one visit that found none.
  const resultsPages = new ResultsPageCache(1024 * 1024);
  const keptPage = { version: '1', moments: [1], timeState: 'r', body: new TextEncoder().encode(`<p>${SESSION_TOKEN_GAP}</p>`) };
  resultsPages.put(1, 'lv', keptPage);
  resultsPages.put(2, 'lv', keptPage);
  for (let i = 0; i < 3; i++) resultsPages.get(1, 'lv', '1', () => 'r');
  resultsPages.get(3, 'lv', '1', () => 'r');

  const scrape = async (authorization?: string) => app.request('/metrics', { headers: authorization ? { authorization } : {} });

  it('is 404 without the token, with a wrong one, and when no token is configured', async () => {
    expect((await scrape()).status).toBe(404);
    expect((await scrape(`Bearer ${TOKEN}x`)).status).toBe(404);
    expect((await scrape(TOKEN)).status).toBe(404);
    const without = createApp({ db: database.handle.db, log: createLogger('silent') });
    expect((await without.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  });

  it('parses as Prometheus text and holds requests by route pattern, sign-ins, refusals, the line, queues, the loop and the pool', async () => {
    const code = validPersonalCode(123_456);
    await app.request(`/verify?number=${code}`);
    await app.request('/');
    await app.request('/');
    await app.request('/auth/eklase/callback?state=abc&code=def');
    const res = await scrape(`Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    // No raw path, personal code or query value in any label.
    expect(text).not.toContain(code);
    expect(text).not.toContain('abc');
    const families = new Map<string, PrometheusFamily>(parsePrometheusTextFormat(text).map((f) => [f.name, f]));

    const requests = families.get('portal_http_request_duration_seconds')!;
    expect(requests.type).toBe('HISTOGRAM');
    // This parser folds a labelled histogram into one set of buckets; the per-route series are read off the text.
    expect(Object.keys(requests.metrics[0]!.buckets!)).toContain('+Inf');
    expect(Number(/^portal_http_request_duration_seconds_count\{method="GET",route="\/",status="2xx"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^portal_http_request_duration_seconds_count\{method="GET",route="\/auth\/:provider\/callback",status="4xx"\} 1$/m);
    // Every route label is a registered pattern or a fixed word, never a path someone typed.
    for (const [, route] of text.matchAll(/route="([^"]*)"/g)) expect(route).toMatch(/^(\/[\w:*/-]*|refused|unmatched)$/);

    const signIns = families.get('portal_sign_ins_total')!;
    expect(signIns.type).toBe('COUNTER');
    expect(signIns.metrics).toContainEqual({ labels: { provider: 'eklase', outcome: 'state' }, value: '1' });

    expect(families.get('portal_overload_refusals_total')?.type).toBe('COUNTER');
    expect(families.get('portal_waiting_room_length')?.metrics[0]?.value).toBe('0');
    const queues = families.get('portal_queue_length')!;
    const queue = (name: string) => queues.metrics.find((m) => m.labels?.queue === name)?.value;
    expect(queue('sealing')).toBe('3');
    expect(queue('report-jobs')).toBe('0');
    expect(queue('issuance-jobs')).toBe('0');
    expect(families.has('portal_event_loop_delay_seconds')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(families.has('portal_requests_in_flight')).toBe(true);
    // The kept results pages, and how results pages were answered since the last scrape counted them.
    const kept = families.get('portal_results_pages_kept')!;
    expect(kept.metrics.find((m) => m.labels?.measure === 'pages')?.value).toBe('2');
    expect(Number(kept.metrics.find((m) => m.labels?.measure === 'bytes')?.value)).toBe(resultsPages.bytesKept);
    const answers = families.get('portal_results_page_answers_total')!;
    expect(answers.type).toBe('COUNTER');
    expect(answers.metrics).toContainEqual({ labels: { from: 'kept' }, value: '3' });
    expect(answers.metrics).toContainEqual({ labels: { from: 'rendered' }, value: '1' });
    if (kind === 'postgres') {
      const pool = families.get('portal_db_pool_connections')!;
      expect(pool.metrics.map((m) => m.labels?.state).sort()).toEqual(['idle', 'total', 'waiting']);
      expect(Number(pool.metrics.find((m) => m.labels?.state === 'total')?.value)).toBeGreaterThan(0);
    } else {
      expect(families.has('portal_db_pool_connections')).toBe(false);
    }
  });

  it('shows the live figures on the results-day page to agency staff, and 404 to a school', async () => {
    const seeded = await seedSession(database.handle.db, { examCode: 'LAT09', candidates: 1 });
    const agency = await agencyUser(database.handle.db, validPersonalCode(930_001));
    const school = await schoolUser(database.handle.db, seeded.institutionId, validPersonalCode(930_002));
    const cookie = async (userId: number) => `sid=${(await sessions.create({ kind: 'staff', userId, provider: 'test', displayName: 'X' })).token}`;
    now += 1000;
    const page = await app.request('/staff/agency/results-day', { headers: { cookie: await cookie(agency) } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Rezultātu diena');
    expect(html).toContain('hx-trigger="every 5s"');
    expect(html).toMatch(/id="figure-signInFailures">1</);
    const fragment = await app.request('/staff/agency/results-day?part=figures', { headers: { cookie: await cookie(agency) } });
    expect(await fragment.text()).toMatch(/^<div id="results-day-figures"/);
    expect((await app.request('/staff/agency/results-day', { headers: { cookie: await cookie(school) } })).status).toBe(404);
  });
});
