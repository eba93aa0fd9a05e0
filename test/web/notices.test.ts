/**
 * "Your results are available" e-mails against a real SMTP server started here: students leave and confirm
 * addresses through the pages, the sender sends nothing before the release moment and exactly one notice per
 * confirmed address at it (no result in it), a 451 answer is retried and delivered once, the unsubscribe link
 * (RFC 8058 one-click POST) removes the address and stops later notices, two senders never send one message
 * twice, and no log line holds an address. On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
 */
import type { MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { findExam } from '../../src/data/catalogue.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { noticeAddressOf, noticeRecordOf } from '../../src/data/notices.js';
import { importScores } from '../../src/data/scores.js';
import { createLogger } from '../../src/log.js';
import { createMailer } from '../../src/notices/mailer.js';
import { NoticeSender } from '../../src/notices/sender.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtp.js';

const PUBLIC_URL = 'http://portal.test';
// School year 2025/2026: basic education results open 26 June 2026 09:00 in Riga, secondary 3 July 09:00.
const BASIC_RELEASE = new Date('2026-06-26T06:00:00.000Z');
const SECONDARY_RELEASE = new Date('2026-07-03T06:00:00.000Z');

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Test', csrfToken: 'x', provider: 'test' });
  await next();
};

const ADDRESSES = ['liga.berzina@example.lv', 'janis.ozols@example.lv', 'anna.kalnina@example.lv'];

/** The link in a message's text that starts with `path`, as a path and query the app answers. */
function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`${PUBLIC_URL}(${path}\\?[^\\s]+)`).exec(mail.parsed.text ?? '');
  if (!match) throw new Error(`no ${path} link in the message`);
  return match[1]!;
}

describe.each(DATABASE_KINDS)('results notices by e-mail on %s', (kind) => {
  let test: TestDatabase;
  let smtp: TestSmtpServer;
  let seeded: SeededSession;
  let people: number[];
  let now = new Date('2026-06-01T10:00:00.000Z');
  let app: ReturnType<typeof createApp>;
  const logLines: string[] = [];
  const log = createLogger('debug', (line) => logLines.push(line));
  const db = (): Kysely<Database> => test.handle.db;
  const sender = () =>
    new NoticeSender({
      db: db(),
      mailer: createMailer({ transport: { kind: 'smtp', url: smtp.url }, from: 'Eksāmenu portāls <noreply@viaa.example.lv>', batchSize: 2, batchPauseMs: 0 }),
      publicUrl: PUBLIC_URL,
      contact: DEVELOPMENT_CONTACT,
      log,
      batchSize: 2,
      batchPauseMs: 0,
      clock: () => now,
    });
  const received = (since: number, to?: string) => smtp.received.slice(since).filter((m) => to === undefined || m.to.includes(to));

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    smtp = await startSmtpServer();
    seeded = await seedSession(db(), { examCode: 'MAT09', year: 2025, candidates: 3 });
    // Real results: points and certificates exist, so a message that leaked one would show it.
    const exam = (await findExam(db(), 'MAT09', 2025))!;
    const header = `candidate_code,took_part,${exam.parts.map((_, i) => `part_${i + 1}`).join(',')}`;
    const rows = seeded.candidateCodes.map((code) => `${code},yes,${exam.parts.map((p) => Math.floor(p.max_points / 2)).join(',')}`);
    await importScores(db(), seeded.sessionId, { bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' }, 'test');
    await issueCertificates(db(), seeded.sessionId, { actor: 'test', issuedOn: '2026-06-20' });
    const persons = await db().selectFrom('persons').select(['id', 'personal_code']).where('personal_code', 'in', seeded.personalCodes).execute();
    people = seeded.personalCodes.map((code) => persons.find((p) => p.personal_code === code)!.id);
    app = createApp({ db: db(), log, student: { requireStudent: testSignIn }, notices: { sender: { notify: () => undefined }, clock: () => now } });
  });

  afterAll(async () => {
    await smtp?.close();
    await test?.close();
  });

  const post = (path: string, person: number | undefined, body: Record<string, string>) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(person === undefined ? {} : { 'x-test-person': String(person) }) },
      body: new URLSearchParams(body).toString(),
    });

  it('sends confirmations, then nothing before the release moment, then one notice per confirmed address, retrying a 451 once', async () => {
    for (const [i, person] of people.entries()) {
      const res = await post('/results/notices', person, { _csrf: 'x', action: 'save', email: ADDRESSES[i]!, language: i === 1 ? 'en' : 'lv' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/results/notices?done=saved');
    }
    // A form without the session's CSRF token changes nothing.
    expect((await post('/results/notices', people[0], { action: 'remove' })).status).toBe(403);
    // A wrong address is sent back with the problem, in the GOV.UK pattern.
    const wrong = await post('/results/notices', people[0], { _csrf: 'x', action: 'save', email: 'not an address' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('href="#email"');

    // Two senders (two instances) at once: each confirmation goes out once.
    const start = smtp.received.length;
    await Promise.all([sender().runOnce(), sender().runOnce()]);
    const confirmations = received(start);
    expect(confirmations.map((m) => m.to[0]).sort()).toEqual([...ADDRESSES].sort());
    for (const mail of confirmations) {
      // The header block, unfolded (RFC 5322 lets a long header line continue on the next).
      const headers = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n(?=[ \t])/g, '');
      expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
      expect(headers).toMatch(new RegExp(`^List-Unsubscribe: <${PUBLIC_URL}/notices/unsubscribe\\?token=[\\w-]{43}&lang=(lv|en)>\\r?$`, 'm'));
    }
    const english = confirmations.find((m) => m.to.includes(ADDRESSES[1]!))!;
    expect(english.parsed.subject).toBe('Confirm your address for notices about exam results');

    // The first two confirm; opening the link alone (as a mail scanner does) confirms nothing.
    for (const address of ADDRESSES.slice(0, 2)) {
      const link = linkIn(
        confirmations.find((m) => m.to.includes(address))!,
        '/notices/confirm',
      );
      const page = await app.request(link);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(address);
      expect((await noticeAddressOf(db(), people[ADDRESSES.indexOf(address)]!))?.confirmedAt).toBeUndefined();
      const confirmed = await app.request(link, { method: 'POST' });
      expect(confirmed.status).toBe(200);
      expect((await noticeAddressOf(db(), people[ADDRESSES.indexOf(address)]!))?.confirmedAt).toEqual(now);
      // A used link works no more.
      expect((await app.request(link, { method: 'POST' })).status).toBe(404);
    }

    // Just before the moment: nothing.
    now = new Date(BASIC_RELEASE.getTime() - 60_000);
    const beforeMoment = smtp.received.length;
    expect((await sender().runOnce()).sent).toBe(0);
    expect(smtp.received.length).toBe(beforeMoment);

    // At the moment, the server says "try later" once: one notice arrives now, the other after the retry.
    now = new Date(BASIC_RELEASE.getTime() + 1000);
    smtp.failNext(451);
    const first = await sender().runOnce();
    expect(first).toMatchObject({ queued: 2, sent: 1, failed: 1 });
    expect((await sender().runOnce()).sent).toBe(0); // not yet: the retry waits a minute
    now = new Date(now.getTime() + 2 * 60_000);
    expect((await sender().runOnce()).sent).toBe(1);
    expect((await sender().runOnce()).sent).toBe(0);

    const notices = received(beforeMoment);
    expect(notices).toHaveLength(2);
    expect(notices.map((m) => m.to[0]).sort()).toEqual(ADDRESSES.slice(0, 2).sort());
    const numbers = (await db().selectFrom('certificates').select('number').execute()).map((r) => r.number);
    expect(numbers).toHaveLength(3);
    for (const mail of notices) {
      const text = `${mail.parsed.subject}\n${mail.parsed.text}`;
      expect(text).toMatch(/rezultāti ir pieejami|results are available/);
      for (const number of numbers) expect(text).not.toContain(number);
      for (const code of [...seeded.candidateCodes, ...seeded.personalCodes]) expect(text).not.toContain(code);
      expect(text).not.toMatch(/\d+(?:[.,]\d+)?\s*%|punkt|points/i);
    }

    // The record: when, the message id as received, the server's answer; the retried one took two attempts.
    for (const [i, address] of ADDRESSES.slice(0, 2).entries()) {
      const record = (await noticeRecordOf(db(), people[i]!)).find((r) => r.kind === 'release')!;
      const mail = notices.find((m) => m.to.includes(address))!;
      expect(record).toMatchObject({ status: 'sent', releaseKey: '2025:basic', messageId: mail.parsed.messageId });
      expect(record.outcome).toMatch(/^250/);
      expect(record.outcome).not.toContain(address);
    }
    const attempts = await Promise.all(people.slice(0, 2).map(async (p) => (await noticeRecordOf(db(), p)).find((r) => r.kind === 'release')!.attempts));
    expect(attempts.sort()).toEqual([1, 2]);
    // The one who never confirmed got nothing but the confirmation.
    expect(received(beforeMoment, ADDRESSES[2])).toHaveLength(0);
  });

  it('unsubscribes with one POST to the link, deletes the address and sends no later notice', async () => {
    const notice = smtp.received.filter((m) => m.to.includes(ADDRESSES[0]!)).at(-1)!;
    const link = linkIn(notice, '/notices/unsubscribe');
    const asked = await app.request(link);
    expect(asked.status).toBe(200);
    expect(await noticeAddressOf(db(), people[0]!)).toBeDefined();
    // RFC 8058: what a mail program posts, with no cookie, no page and no CSRF token.
    const oneClick = await app.request(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(200);
    expect(await noticeAddressOf(db(), people[0]!)).toBeUndefined();
    expect(await db().selectFrom('notice_subscriptions').select('id').where('email', '=', ADDRESSES[0]!).execute()).toHaveLength(0);

    // Both are registered for a secondary exam too: at its moment only the one still subscribed hears of it.
    const exam = (await findExam(db(), 'MATVL', 2025))!;
    const session = await db().selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
    for (const person of people.slice(0, 2)) {
      const candidate = await db()
        .selectFrom('candidates')
        .select('id')
        .where('person_id', '=', person)
        .where('school_year', '=', 2025)
        .executeTakeFirstOrThrow();
      await db().insertInto('registrations').values({ session_id: session.id, candidate_id: candidate.id, applied_at: '2025-12-01T10:00:00.000Z' }).execute();
    }
    now = new Date(SECONDARY_RELEASE.getTime() + 1000);
    const before = smtp.received.length;
    await sender().runOnce();
    await sender().runOnce();
    expect(received(before).map((m) => m.to[0])).toEqual([ADDRESSES[1]]);
    expect(received(before)[0]!.parsed.subject).toBe('Your exam results are available');
  });

  it('stops at a final refusal (5xx) and records it', async () => {
    const saved = await post('/results/notices', people[2], { _csrf: 'x', action: 'save', email: 'nobody@example.lv', language: 'lv' });
    expect(saved.status).toBe(303);
    smtp.failNext(550);
    const before = smtp.received.length;
    expect(await sender().runOnce()).toMatchObject({ sent: 0, failed: 1 });
    now = new Date(now.getTime() + 24 * 3_600_000);
    expect(await sender().runOnce()).toMatchObject({ sent: 0, failed: 0 });
    expect(smtp.received.length).toBe(before);
    const record = (await noticeRecordOf(db(), people[2]!))[0]!;
    expect(record).toMatchObject({ kind: 'confirm', status: 'failed', attempts: 1 });
    expect(record.outcome).toMatch(/^550/);
    expect(record.outcome).not.toContain('nobody@example.lv');
  });

  it('removes an address from the page, and writes no address to the log', async () => {
    const removed = await post('/results/notices', people[1], { _csrf: 'x', action: 'remove' });
    expect(removed.status).toBe(303);
    expect(await noticeAddressOf(db(), people[1]!)).toBeUndefined();
    const page = await app.request('/results/notices?done=removed', { headers: { 'x-test-person': String(people[1]) } });
    expect(await page.text()).toContain('Adrese dzēsta');
    expect(logLines.some((line) => line.includes('notice sent'))).toBe(true);
    for (const address of [...ADDRESSES, 'nobody@example.lv']) expect(logLines.join('\n')).not.toContain(address);
  });
});
