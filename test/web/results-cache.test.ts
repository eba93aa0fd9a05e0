/**
 * Results day on a simulated clock: the lobby before the release moment shows nothing of a result and opens the
 * results by itself within [moment, moment + spread]; the kept results page changes at once after an annulment, a
 * re-import or a hand-made change in the database, also for a second instance sharing the database; many students
 * in both languages never get another's page; the cache stays within its size.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineParts } from '../../src/data/catalogue.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { createLogger } from '../../src/log.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createApp } from '../../src/web/app.js';
import { requireStudent, sessionCookieName } from '../../src/web/session.js';
import type { AppEnv } from '../../src/web/context.js';
import { spreadOffsetMs } from '../../src/domain/lobby.js';
import { ResultsPageCache, SESSION_TOKEN_GAP } from '../../src/web/results-cache.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { RESULT_STATES_NOW, seedResultStates, type ResultStatePeople } from '../support/result-states.js';

/** Signs in the person named by the x-test-person header, with a session of their own. */
/** Each test person's session token, as long as the portal's (43 characters), so kept pages are used. */
const csrfTokenOf = (person: string | number) => `csrf-${person}`.padEnd(43, '0');

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', {
    kind: 'student',
    personId: Number(person),
    userId: null,
    displayName: `Test ${person}`,
    csrfToken: csrfTokenOf(person),
    provider: 'test',
  });
  await next();
};

/** 2025/26 secondary results: 3 July 2026 09:00 in Riga. */
const SECONDARY_RELEASE = Date.parse('2026-07-03T06:00:00Z');
const LOBBY = { lobbyMs: 60 * 60_000, spreadMs: 60_000, keepAliveMs: 15 * 60_000 };
const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });

describe.each(DATABASE_KINDS)('results day on %s', (kind) => {
  let test: TestDatabase;
  let ids: ResultStatePeople;
  let kumal: SeededSession;
  let many: SeededSession;
  let fizal: SeededSession;
  let manyIds: number[];
  let fizalIds: number[];
  let now = RESULT_STATES_NOW;
  const cache = new ResultsPageCache(8 * 1024 * 1024);
  let app: ReturnType<typeof createApp>;
  /** A second instance on the same database, with a cache of its own. */
  let other: ReturnType<typeof createApp>;

  const request = async (target: ReturnType<typeof createApp>, person: number, lang: 'lv' | 'en' = 'lv') => {
    const response = await target.request(`/results?lang=${lang}`, { headers: { 'x-test-person': String(person), 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return new TextDecoder().decode(response.headers.get('content-encoding') === 'gzip' ? gunzipSync(bytes) : bytes);
  };
  const page = (person: number, lang: 'lv' | 'en' = 'lv') => request(app, person, lang);
  const personOf = async (personalCode: string) =>
    (await test.handle.db.selectFrom('persons').select('id').where('personal_code', '=', personalCode).executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const db = test.handle.db;
    ({ ids, kumal } = await seedResultStates(db));
    many = await seedSession(db, { examCode: 'MATVL', candidates: 24 });
    await defineParts(db, 't', many.examId, [
      { maxPoints: 40, weight: '1' },
      { maxPoints: 20, weight: '1' },
    ]);
    await importScores(
      db,
      many.sessionId,
      csv(
        'candidate_code,took_part,part_1,part_2',
        many.candidateCodes.map((code, i) => `${code},yes,${10 + i},${5 + (i % 10)}`),
      ),
      't',
    );
    await issueCertificates(db, many.sessionId, { actor: 't', issuedOn: '2026-06-30' });
    manyIds = await Promise.all(many.personalCodes.map(personOf));
    fizal = await seedSession(db, { examCode: 'FIZAL', candidates: 2 });
    await defineParts(db, 't', fizal.examId, [
      { maxPoints: 40, weight: '1' },
      { maxPoints: 40, weight: '1' },
      { maxPoints: 40, weight: '1' },
    ]);
    fizalIds = await Promise.all(fizal.personalCodes.map(personOf));
    const student = { requireStudent: testSignIn, clock: () => now, lobby: LOBBY };
    app = createApp({ db, log: createLogger('silent'), student: { ...student, cache } });
    other = createApp({ db, log: createLogger('silent'), student: { ...student, cache: new ResultsPageCache(1024 * 1024) } });
  });
  afterAll(async () => test.close());

  it('in the lobby at 08:59 nothing of a result reaches the browser; the page opens the results by itself within the spread', async () => {
    const person = ids.get('result')!;
    const number = `2026/${kumal.candidateCodes[0]}-KUMAL`;
    // After the moment first, so the cache holds the released page: it must not be served before the moment.
    now = new Date(SECONDARY_RELEASE + 120_000);
    expect(await page(person)).toContain(number);

    now = new Date(SECONDARY_RELEASE - 60_000);
    const lobby = await page(person);
    expect(lobby).toContain('Rezultāti drīz būs pieejami');
    expect(lobby).toContain('03.07.2026 09:00');
    expect(lobby).toContain('Šī lapa pati atvērs jūsu rezultātus ne vēlāk kā 60 s pēc 03.07.2026 09:00');
    expect(lobby).not.toContain(kumal.candidateCodes[0]!);
    expect(lobby).not.toContain('class="total"');
    expect(lobby).not.toMatch(/\d&nbsp;%/);
    expect(lobby).toMatch(/<script src="\/static\/lobby\.[0-9a-f]+\.js" defer><\/script>/);
    expect(lobby).toContain('role="timer" data-seconds="60"');
    // Without script: a meta refresh that only a browser running no script applies (inside <noscript>, in the head).
    const refresh = Number(/<head>[\s\S]*<noscript><meta http-equiv="refresh" content="(\d+)"><\/noscript>[\s\S]*<\/head>/.exec(lobby)?.[1]);
    expect(lobby.match(/http-equiv="refresh"/g)).toHaveLength(1);
    const lands = now.getTime() + refresh * 1000;
    expect(lands).toBeGreaterThanOrEqual(SECONDARY_RELEASE);
    expect(lands).toBeLessThanOrEqual(SECONDARY_RELEASE + LOBBY.spreadMs);
    // With script: the same opening time in the server's seconds, and the keep-alive's interval, for lobby.js.
    expect(lobby).toContain(`data-opens-in="${refresh}" data-keep-alive="900" data-keep-alive-url="/results/keep-alive" data-csrf="${csrfTokenOf(person)}"`);
    // The same place in the spread on every visit.
    expect(await page(person)).toContain(`content="${refresh}"`);

    // Turned off by the student: no timed refresh, nothing for the script to open, and the page says to reload after the moment.
    const off = await (await app.request('/results?refresh=off', { headers: { 'x-test-person': String(person) } })).text();
    expect(off).not.toContain('http-equiv="refresh"');
    expect(off).not.toContain('data-opens-in');
    expect(off).not.toContain('data-keep-alive');
    expect(off).toContain('Automātiskā atvēršana ir izslēgta: pārlādējiet šo lapu pēc 03.07.2026 09:00');
    expect(off).not.toContain(kumal.candidateCodes[0]!);

    // One second before the moment: still nothing.
    now = new Date(SECONDARY_RELEASE - 1000);
    expect(await page(person)).not.toContain(kumal.candidateCodes[0]!);

    // When the refresh comes, the results are there.
    now = new Date(lands);
    const opened = await page(person);
    expect(opened).toContain(number);
    expect(opened).toContain('class="total"');
    expect(opened).not.toContain('http-equiv="refresh"');
    expect(opened).not.toContain('lobby');
  });

  it('long before the moment the lobby asks again within half the idle time, so the sign-in stays alive', async () => {
    now = new Date(SECONDARY_RELEASE - 50 * 60_000);
    const lobby = await page(ids.get('result')!, 'en');
    expect(lobby).toContain('Your results are almost here');
    expect(lobby).toContain('Results will be available from 03.07.2026 09:00');
    expect(lobby).toContain('<noscript><meta http-equiv="refresh" content="900"></noscript>');
    expect(lobby).toContain(`data-opens-in="${50 * 60 + spreadOffsetMs(ids.get('result')!, SECONDARY_RELEASE, LOBBY.spreadMs) / 1000}"`);
    expect(lobby).toContain('50 min');
    // Before the lobby opens: the plain notice, no refresh.
    now = new Date(SECONDARY_RELEASE - 61 * 60_000);
    const before = await page(ids.get('result')!, 'en');
    expect(before).not.toContain('http-equiv="refresh"');
    expect(before).toContain('Results will be available from 03.07.2026 09:00');
    expect(before).not.toContain('Your results are almost here');
    expect(before).not.toContain(kumal.candidateCodes[0]!);
  });

  it('the kept page changes at once after an annulment, on both instances', async () => {
    now = RESULT_STATES_NOW;
    const person = manyIds[0]!;
    const number = `2026/${many.candidateCodes[0]}-MATVL`;
    for (const target of [app, other]) {
      const first = await request(target, person);
      expect(first).toContain(`${number.slice(0, 5)}<wbr>`);
      expect(first).toContain('class="download"');
      expect(await request(target, person)).toBe(first);
    }
    // As another instance (or the command line) would: through the data layer, straight into the database.
    await annulCertificate(test.handle.db, number, 'Kļūda vērtējumā', { actor: 't', now: new Date(RESULT_STATES_NOW.getTime() - 3600_000) });
    for (const target of [app, other]) {
      const after = await request(target, person);
      expect(after).toContain('Kļūda vērtējumā');
      expect(after).not.toContain('class="download"');
    }
  });

  it('the kept page changes at once after a re-import, and after a change made by hand in the database', async () => {
    now = RESULT_STATES_NOW;
    const header = 'candidate_code,took_part,part_1,part_2,part_3';
    await importScores(
      test.handle.db,
      fizal.sessionId,
      csv(header, [`${fizal.candidateCodes[0]},yes,10,10,10`, `${fizal.candidateCodes[1]},yes,20,20,20`]),
      't',
    );
    const before = await page(fizalIds[0]!);
    const totalBefore = /class="total">(\d+)&nbsp;%/.exec(before)?.[1];
    expect(totalBefore).toBeDefined();
    await importScores(
      test.handle.db,
      fizal.sessionId,
      csv(header, [`${fizal.candidateCodes[0]},yes,30,30,30`, `${fizal.candidateCodes[1]},yes,20,20,20`]),
      't',
    );
    const after = await page(fizalIds[0]!);
    const totalAfter = /class="total">(\d+)&nbsp;%/.exec(after)?.[1];
    expect(Number(totalAfter)).toBeGreaterThan(Number(totalBefore));

    // A correction by hand (no code of ours involved): the database moves the version itself.
    await test.handle.db
      .updateTable('sittings')
      .set({ took_part: 'no' })
      .where('registration_id', 'in', test.handle.db.selectFrom('registrations').select('id').where('session_id', '=', fizal.sessionId))
      .execute();
    expect(await page(fizalIds[0]!)).toContain('Jūs šajā eksāmenā nepiedalījāties');
    // And a change to what many people share: the exam's name.
    await test.handle.db.updateTable('exams').set({ subject_lv_locative: 'fizikā (labots)' }).where('id', '=', fizal.examId).execute();
    expect(await page(fizalIds[0]!)).toContain('fizikā (labots)');
  });

  it('with real sign-ins: the version comes with the session, an annulment shows at once, a removed session gets nothing', async () => {
    now = RESULT_STATES_NOW;
    const sessions = new WebSessionStore(test.handle.db, { idleMinutes: 30, now: () => now, touchDelayMs: 0 });
    const signedIn = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      auth: { sessions, oidc: new OidcLogin({ publicUrl: 'http://127.0.0.1', providers: {} }), environment: 'development', publicUrl: 'http://127.0.0.1' },
      student: { requireStudent: requireStudent(), clock: () => now, lobby: LOBBY, cache: new ResultsPageCache(1024 * 1024) },
    });
    const person = manyIds[1]!;
    const number = `2026/${many.candidateCodes[1]}-MATVL`;
    const { token } = await sessions.create({ kind: 'student', personId: person, provider: 'test', displayName: 'Līga' });
    const get = () => signedIn.request('/results', { headers: { cookie: `${sessionCookieName(false)}=${token}` } });
    const first = await (await get()).text();
    expect(first).toContain('class="download"');
    expect(await (await get()).text()).toBe(first);
    await annulCertificate(test.handle.db, number, 'Pārbaudes kļūda', { actor: 't', now: new Date(RESULT_STATES_NOW.getTime() - 3600_000) });
    const after = await (await get()).text();
    expect(after).toContain('Pārbaudes kļūda');
    expect(after).not.toContain('class="download"');
    // Signed out (on any instance): the kept page is not served to that cookie any more.
    await sessions.delete(token);
    const gone = await get();
    expect(gone.status).toBe(302);
    expect(gone.headers.get('location')).toBe('/login?return_to=%2Fresults');
  });

  it('with real sign-ins: the lobby’s keep-alive keeps the sign-in alive and answers nothing, for its own session only', async () => {
    const sessions = new WebSessionStore(test.handle.db, { idleMinutes: 30, now: () => now, touchDelayMs: 0 });
    const signedIn = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      auth: { sessions, oidc: new OidcLogin({ publicUrl: 'http://127.0.0.1', providers: {} }), environment: 'development', publicUrl: 'http://127.0.0.1' },
      student: { requireStudent: requireStudent(), clock: () => now, lobby: LOBBY, cache: new ResultsPageCache(1024 * 1024) },
    });
    const person = ids.get('result')!;
    now = new Date(SECONDARY_RELEASE - 55 * 60_000);
    const { token, row } = await sessions.create({ kind: 'student', personId: person, provider: 'test', displayName: 'Līga' });
    const cookie = `${sessionCookieName(false)}=${token}`;
    const keepAlive = (headers: Record<string, string>) => signedIn.request('/results/keep-alive', { method: 'POST', headers });

    // Every 20 minutes, with 30 minutes of idle time: only the keep-alive keeps the sign-in to the moment.
    for (const minutes of [35, 15]) {
      now = new Date(SECONDARY_RELEASE - minutes * 60_000);
      const kept = await keepAlive({ cookie, 'x-csrf-token': row.csrf_token });
      expect(kept.status).toBe(204);
      expect(await kept.text()).toBe('');
      expect(kept.headers.get('cache-control')).toBe('no-store');
    }
    now = new Date(SECONDARY_RELEASE + 5 * 60_000);
    const results = await signedIn.request('/results', { headers: { cookie } });
    expect(results.status).toBe(200);
    expect(await results.text()).toContain(`2026/${kumal.candidateCodes[0]}-KUMAL`);

    // Not without the session's CSRF token, and not without a session: nothing is answered either way.
    const forged = await keepAlive({ cookie, 'x-csrf-token': 'forged' });
    expect(forged.status).toBe(403);
    expect(await forged.text()).not.toContain(kumal.candidateCodes[0]!);
    const anonymous = await keepAlive({ 'x-csrf-token': row.csrf_token });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/login');

    // Without the keep-alive the same sign-in idles out before the moment.
    now = new Date(SECONDARY_RELEASE - 55 * 60_000);
    const idle = await sessions.create({ kind: 'student', personId: person, provider: 'test', displayName: 'Līga' });
    now = new Date(SECONDARY_RELEASE + 5 * 60_000);
    const gone = await signedIn.request('/results', { headers: { cookie: `${sessionCookieName(false)}=${idle.token}` } });
    expect(gone.status).toBe(302);
  });

  it('many students in both languages, in any order, each get only their own page', async () => {
    now = RESULT_STATES_NOW;
    const numbers = new Map(manyIds.map((id, i) => [id, many.candidateCodes[i]!]));
    const order = [...manyIds, ...manyIds].flatMap((id, i) => [
      { id, lang: (i % 2 === 0 ? 'lv' : 'en') as 'lv' | 'en' },
      { id, lang: (i % 2 === 0 ? 'en' : 'lv') as 'lv' | 'en' },
    ]);
    // A shuffled order, three rounds, concurrently within a round: kept pages and fresh ones mixed.
    for (let round = 0; round < 3; round++) {
      const shuffled = order.map((o, i) => ({ o, k: (i * 7919 + round * 104729) % 997 })).sort((a, b) => a.k - b.k);
      const pages = await Promise.all(shuffled.map(({ o }) => page(o.id, o.lang).then((html) => ({ ...o, html }))));
      for (const { id, lang, html } of pages) {
        expect(html).toContain(`<html lang="${lang}">`);
        expect(html).toContain(`Test ${id}`);
        for (const [otherId, code] of numbers) {
          if (otherId === id) expect(html).toContain(code);
          else expect(html).not.toContain(code);
          // The sign-out form carries this session's token, whoever's page was kept.
          if (otherId === id) expect(html).toContain(`value="${csrfTokenOf(id)}"`);
          else expect(html).not.toContain(csrfTokenOf(otherId));
        }
      }
    }
    expect(cache.hits).toBeGreaterThan(0);
  });
});

describe('the results page cache', () => {
  const text = (n: number) => `<p>${'page '.repeat(200)} ${n}</p><input name="csrf" value="${SESSION_TOKEN_GAP}"><p>${'after '.repeat(50)}</p>`;
  const body = (n: number) => new TextEncoder().encode(text(n));
  const always = () => 'r';
  const tokenA = 'A'.repeat(43);

  it('keeps no more bytes than its cap, dropping the least recently used first', () => {
    const cache = new ResultsPageCache(4000);
    for (let person = 1; person <= 200; person++) cache.put(person, 'lv', { version: '1', moments: [1], timeState: 'r', body: body(person) });
    expect(cache.bytesKept).toBeLessThanOrEqual(4000);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThan(200);
    expect(cache.get(1, 'lv', '1', always)).toBeUndefined();
    expect(cache.get(200, 'lv', '1', always)).toBeDefined();

    // Used recently, kept; the one used longest ago goes.
    const kept = [...Array(200).keys()].map((i) => i + 1).filter((p) => cache.get(p, 'lv', '1', always));
    cache.get(kept[0]!, 'lv', '1', always);
    cache.put(1000, 'lv', { version: '1', moments: [1], timeState: 'r', body: body(1000) });
    expect(cache.get(kept[0]!, 'lv', '1', always)).toBeDefined();
    expect(cache.get(kept[1]!, 'lv', '1', always)).toBeUndefined();
  });

  it('serves a page only for the same person, language, version and time state', () => {
    const cache = new ResultsPageCache(1024 * 1024);
    cache.put(7, 'lv', { version: 'a', moments: [1], timeState: 'r', body: body(7) });
    expect(cache.get(7, 'lv', 'a', always)).toBeDefined();
    expect(cache.get(8, 'lv', 'a', always)).toBeUndefined();
    expect(cache.get(7, 'en', 'a', always)).toBeUndefined();
    expect(cache.get(7, 'lv', 'b', always)).toBeUndefined();
    expect(cache.get(7, 'lv', 'a', () => 'l')).toBeUndefined();
  });

  it('puts each session’s own token into the page, compressed or not', () => {
    const cache = new ResultsPageCache(1024 * 1024);
    const page = cache.put(7, 'lv', { version: 'a', moments: [1], timeState: 'r', body: body(7) });
    const tokens = [tokenA, randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
    for (const token of tokens) {
      const expected = text(7).replace(SESSION_TOKEN_GAP, token);
      // gunzip checks the trailer's CRC-32 and length as well.
      expect(gunzipSync(ResultsPageCache.gzipFor(page, token)).toString()).toBe(expected);
      expect(new TextDecoder().decode(ResultsPageCache.identityFor(page, token))).toBe(expected);
    }
    expect(ResultsPageCache.fits(tokenA)).toBe(true);
    expect(ResultsPageCache.fits('short')).toBe(false);
    expect(() => ResultsPageCache.gzipFor(page, 'short')).toThrow(RangeError);
  });

  it('refuses to keep a page without the gap, or with it twice', () => {
    const cache = new ResultsPageCache(1024 * 1024);
    const page = (html: string) => ({ version: 'a', moments: [1], timeState: 'r', body: new TextEncoder().encode(html) });
    expect(() => cache.put(7, 'lv', page('<p>no form</p>'))).toThrow(/exactly once/);
    expect(() => cache.put(7, 'lv', page(`${SESSION_TOKEN_GAP}<p></p>${SESSION_TOKEN_GAP}`))).toThrow(/exactly once/);
    expect(cache.size).toBe(0);
  });
});

describe('the lobby spread', () => {
  it('places students evenly over the spread, each on the same whole second every time', () => {
    const counts = new Array<number>(60).fill(0);
    for (let person = 1; person <= 6000; person++) {
      const offset = spreadOffsetMs(person, SECONDARY_RELEASE, 60_000);
      expect(offset).toBe(spreadOffsetMs(person, SECONDARY_RELEASE, 60_000));
      expect(offset % 1000).toBe(0);
      counts[offset / 1000]!++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(140);
    expect(spreadOffsetMs(1, SECONDARY_RELEASE, 0)).toBe(0);
  });
});
