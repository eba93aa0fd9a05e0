/**
 * Housekeeping, on every database: each task in the list deletes what it says it deletes (stale rows of its kind
 * go, fresh ones stay), every task has such a check here, a failing task does not stop the others, and the
 * schedule runs until it is stopped.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED_SESSION_KEPT_MS } from '../src/data/eservice.js';
import { ENDED_SHARE_LINK_KEPT_DAYS } from '../src/domain/share-links.js';
import { LOGIN_ATTEMPT_MS } from '../src/data/web-sessions.js';
import { NOTICE_RECORD_DAYS } from '../src/domain/notices.js';
import { HOUSEKEEPING_TASKS, runHousekeepingOnce, startHousekeeping, type HousekeepingTask } from '../src/housekeeping.js';
import { createLogger } from '../src/log.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from './support/databases.js';
import { seedSession, validPersonalCode } from './support/register.js';
import { agencyUser } from './support/staff.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(DATABASE_KINDS)('housekeeping on %s', (kind) => {
  let test: TestDatabase;
  const db = () => test.handle.db;
  const now = new Date('2026-07-01T12:00:00.000Z');
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const ahead = (ms: number) => new Date(now.getTime() + ms).toISOString();
  let personId: number;
  let actorCode: string;
  let certificateId: number;
  let userId: number;

  /** Per task: seeds one stale and one fresh row of its kind; `left` tells which of them are still there. */
  interface Case {
    seed(): Promise<void>;
    left(): Promise<string[]>;
  }
  const reportJobs = new Map<string, number>();
  const labelsOf = (ids: Iterable<number>) => [...reportJobs].filter(([, id]) => [...ids].includes(id)).map(([label]) => label);
  const chunkOwners = async () => new Set((await db().selectFrom('report_file_chunks').select('job_id').execute()).map((r) => r.job_id));
  const reportJob = async (label: string, status: 'done' | 'failed' | 'running', expiresAt: string | null) => {
    const { id } = await db()
      .insertInto('report_jobs')
      .values({
        user_id: userId,
        institution_id: null,
        type: 'graduates',
        format: 'csv',
        parameters: '{}',
        status,
        requested_at: ago(8 * 86_400_000),
        ...(status === 'done' ? { file_name: `${label}.csv`, file_size: 1, finished_at: ago(8 * 86_400_000), expires_at: expiresAt } : {}),
        ...(status === 'failed' ? { failure: 'interrupted', finished_at: ago(60_000) } : {}),
        ...(status === 'running' ? { claimed_by: 'alive', lease_until: ahead(60_000), attempts: 1 } : {}),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('report_file_chunks')
      .values({ job_id: id, chunk_no: 0, data: new Uint8Array([1]) })
      .execute();
    reportJobs.set(label, id);
  };

  const cases: Record<string, Case> = {
    'unconfirmed-notice-addresses': {
      async seed() {
        for (const [label, expiresAt, n] of [
          ['stale', ago(1000), 700_101],
          ['fresh', ahead(60 * 60_000), 700_102],
        ] as const) {
          const person = await db()
            .insertInto('persons')
            .values({ personal_code: validPersonalCode(n), first_name: 'Anna', last_name: label })
            .returning('id')
            .executeTakeFirstOrThrow();
          await db()
            .insertInto('notice_subscriptions')
            .values({
              person_id: person.id,
              email: `${label}@example.lv`,
              language: 'lv',
              created_at: ago(60 * 60_000),
              confirm_token_hash: sha256(`confirm ${label}`),
              confirm_expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () => (await db().selectFrom('notice_subscriptions').select('email').execute()).map((r) => r.email.replace('@example.lv', '')),
    },
    'notice-records': {
      async seed() {
        for (const [label, createdAt] of [
          ['stale', ago((NOTICE_RECORD_DAYS + 1) * 86_400_000)],
          ['fresh', ago(86_400_000)],
        ] as const) {
          await db()
            .insertInto('notice_messages')
            .values({
              person_id: personId,
              kind: 'confirm',
              status: 'sent',
              next_attempt_at: createdAt,
              created_at: createdAt,
              sent_at: createdAt,
              outcome: label,
            })
            .execute();
        }
      },
      left: async () => (await db().selectFrom('notice_messages').select('outcome').execute()).map((r) => r.outcome ?? ''),
    },
    'web-sessions': {
      async seed() {
        for (const [label, expiresAt] of [
          ['stale', ago(1000)],
          ['fresh', ahead(60_000)],
        ] as const) {
          await db()
            .insertInto('web_sessions')
            .values({
              id_hash: sha256(`session ${label}`),
              kind: 'student',
              person_id: personId,
              user_id: null,
              provider: 'demo',
              display_name: label,
              csrf_token: 'csrf',
              created_at: ago(60 * 60_000),
              last_seen_at: ago(60_000),
              expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () => (await db().selectFrom('web_sessions').select('display_name').execute()).map((r) => r.display_name),
    },
    'login-attempts': {
      async seed() {
        for (const [label, createdAt] of [
          ['stale', ago(LOGIN_ATTEMPT_MS + 1000)],
          ['fresh', ago(1000)],
        ] as const) {
          await db().insertInto('login_attempts').values({ state: label, provider: 'eklase', created_at: createdAt }).execute();
        }
      },
      left: async () => (await db().selectFrom('login_attempts').select('state').execute()).map((r) => r.state),
    },
    'eservice-token-ids': {
      async seed() {
        await db()
          .insertInto('eservice_token_ids')
          .values([
            { id_hash: sha256('token stale'), expires_at: ago(1000) },
            { id_hash: sha256('token fresh'), expires_at: ahead(60_000) },
          ])
          .execute();
      },
      left: async () =>
        (await db().selectFrom('eservice_token_ids').select('id_hash').execute()).map((r) => (r.id_hash === sha256('token fresh') ? 'fresh' : 'stale')),
    },
    'eservice-sessions': {
      async seed() {
        // An ended session stays a while, only to keep a late paper request form as its person's draft.
        for (const [label, expiresAt] of [
          ['stale', ago(ENDED_SESSION_KEPT_MS + 1000)],
          ['fresh', ago(1000)],
        ] as const) {
          await db()
            .insertInto('eservice_sessions')
            .values({
              id_hash: sha256(`embed ${label}`),
              person_id: personId,
              actor_code: actorCode,
              token_id_hash: sha256('t'),
              created_at: ago(20 * 60_000),
              expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () =>
        (await db().selectFrom('eservice_sessions').select('id_hash').execute()).map((r) => (r.id_hash === sha256('embed fresh') ? 'fresh' : 'stale')),
    },
    'eservice-links': {
      async seed() {
        for (const [label, expiresAt] of [
          ['stale', ago(1000)],
          ['fresh', ahead(60_000)],
        ] as const) {
          await db()
            .insertInto('eservice_links')
            .values({
              id_hash: sha256(`link ${label}`),
              certificate_id: certificateId,
              person_id: personId,
              actor_code: actorCode,
              created_at: ago(20 * 60_000),
              expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () =>
        (await db().selectFrom('eservice_links').select('id_hash').execute()).map((r) => (r.id_hash === sha256('link fresh') ? 'fresh' : 'stale')),
    },
    'paper-request-drafts': {
      async seed() {
        for (const [label, expiresAt] of [
          ['stale', ago(1000)],
          ['fresh', ahead(60_000)],
        ] as const) {
          await db()
            .insertInto('paper_request_drafts')
            .values({
              person_id: personId,
              // One draft per person, who typed it and certificate: here a representative typed the stale one.
              actor_code: label === 'stale' ? validPersonalCode(700_011) : actorCode,
              certificate_id: certificateId,
              form: JSON.stringify({ label }),
              saved_at: ago(60_000),
              expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () => (await db().selectFrom('paper_request_drafts').select('form').execute()).map((r) => (JSON.parse(r.form) as { label: string }).label),
    },
    'rate-limit-counters': {
      async seed() {
        await db()
          .insertInto('rate_limit_counters')
          .values([
            { key_hash: sha256('counter stale'), window_start: ago(20 * 60_000), window_end: ago(10 * 60_000), count: 3 },
            { key_hash: sha256('counter fresh'), window_start: ago(5 * 60_000), window_end: ahead(5 * 60_000), count: 1 },
          ])
          .execute();
      },
      left: async () =>
        (await db().selectFrom('rate_limit_counters').select('key_hash').execute()).map((r) => (r.key_hash === sha256('counter fresh') ? 'fresh' : 'stale')),
    },
    'score-upload-files': {
      async seed() {
        const session = await db().selectFrom('exam_sessions').select('id').executeTakeFirstOrThrow();
        for (const [label, expiresAt] of [
          ['upload stale', ago(1000)],
          ['upload fresh', ahead(60_000)],
        ] as const) {
          await db()
            .insertInto('score_uploads')
            .values({
              session_id: session.id,
              actor: `user:${userId}`,
              user_id: userId,
              file_name: label,
              sha256: sha256(label),
              file_size: 1,
              content: new Uint8Array([1]),
              status: 'previewed',
              uploaded_at: ago(2 * 3_600_000),
              expires_at: expiresAt,
            })
            .execute();
        }
      },
      left: async () =>
        (await db().selectFrom('score_uploads').select('file_name').where('content', 'is not', null).execute()).map((r) => r.file_name.slice('upload '.length)),
    },
    'report-files': {
      async seed() {
        await reportJob('report stale', 'done', ago(1000));
        await reportJob('report fresh', 'done', ahead(86_400_000));
      },
      async left() {
        const done = await db().selectFrom('report_jobs').select('id').where('status', '=', 'done').execute();
        const owners = await chunkOwners();
        return labelsOf(done.map((r) => r.id).filter((id) => owners.has(id)))
          .filter((label) => label.startsWith('report '))
          .map((label) => label.slice('report '.length));
      },
    },
    'ended-share-links': {
      async seed() {
        // Withdrawn long ago though it would still run (stale), and withdrawn yesterday (fresh): each with a
        // certificate shared, which goes with its link.
        for (const [label, revokedAt] of [
          ['stale', ago((ENDED_SHARE_LINK_KEPT_DAYS + 1) * 86_400_000)],
          ['fresh', ago(86_400_000)],
        ] as const) {
          const { id } = await db()
            .insertInto('share_links')
            .values({
              token_hash: sha256(`share ${label}`),
              person_id: personId,
              recipient: label,
              language: 'lv',
              created_by: `person:${personId}`,
              channel: 'student',
              created_at: ago(200 * 86_400_000),
              expires_at: ahead(165 * 86_400_000),
              revoked_at: revokedAt,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          await db().insertInto('share_link_certificates').values({ link_id: id, certificate_id: certificateId }).execute();
        }
      },
      left: async () => {
        const links = await db().selectFrom('share_links').select(['id', 'recipient']).execute();
        const shared = new Set((await db().selectFrom('share_link_certificates').select('link_id').execute()).map((r) => r.link_id));
        // A link's certificates go with it: none is left behind for a deleted link.
        expect(shared).toEqual(new Set(links.map((l) => l.id)));
        return links.map((l) => l.recipient);
      },
    },
    'orphan-report-pieces': {
      async seed() {
        await reportJob('pieces stale', 'failed', null);
        await reportJob('pieces fresh', 'running', null);
      },
      left: async () =>
        labelsOf(await chunkOwners())
          .filter((label) => label.startsWith('pieces '))
          .map((label) => label.slice('pieces '.length)),
    },
  };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const seeded = await seedSession(db(), { examCode: 'LAT09', candidates: 1 });
    actorCode = seeded.personalCodes[0]!;
    const person = await db().selectFrom('persons').select('id').where('personal_code', '=', actorCode).executeTakeFirstOrThrow();
    personId = person.id;
    const registration = await db()
      .selectFrom('registrations')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .select('registrations.id')
      .where('candidates.person_id', '=', personId)
      .executeTakeFirstOrThrow();
    const sitting = await db()
      .insertInto('sittings')
      .values({ registration_id: registration.id, took_part: 'yes', updated_at: ago(0) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const certificate = await db()
      .insertInto('certificates')
      .values({ number: `2026/${seeded.candidateCodes[0]}-LAT09`, sitting_id: sitting.id, issued_on: '2026-06-17', state: 'issued', created_at: ago(0) })
      .returning('id')
      .executeTakeFirstOrThrow();
    certificateId = certificate.id;
    userId = await agencyUser(db(), validPersonalCode(700_001));
  });
  afterAll(async () => test?.close());

  it('checks every task of the list, and every task says what it deletes, for how long and how often', () => {
    expect(Object.keys(cases).sort()).toEqual(HOUSEKEEPING_TASKS.map((task) => task.name).sort());
    for (const task of HOUSEKEEPING_TASKS) {
      expect(task.deletes.length, task.name).toBeGreaterThan(10);
      expect(task.retention.length, task.name).toBeGreaterThan(3);
      expect(task.everyMs, task.name).toBeGreaterThan(0);
    }
  });

  it('deletes the stale rows of every kind in one run, and keeps the fresh ones', async () => {
    for (const task of HOUSEKEEPING_TASKS) await cases[task.name]!.seed();
    for (const task of HOUSEKEEPING_TASKS) expect((await cases[task.name]!.left()).sort(), task.name).toEqual(['fresh', 'stale']);

    const lines: string[] = [];
    const outcomes = await runHousekeepingOnce({ db: db(), log: createLogger('info', (line) => lines.push(line)), clock: () => now });
    expect(outcomes.map((o) => o.task)).toEqual(HOUSEKEEPING_TASKS.map((task) => task.name));
    for (const outcome of outcomes) expect(outcome, outcome.task).toEqual({ task: outcome.task, removed: 1 });
    for (const task of HOUSEKEEPING_TASKS) expect(await cases[task.name]!.left(), task.name).toEqual(['fresh']);
    // The expired report stays listed, as expired.
    expect(await db().selectFrom('report_jobs').select('status').where('id', '=', reportJobs.get('report stale')!).executeTakeFirstOrThrow()).toEqual({
      status: 'expired',
    });
    expect(lines.join('\n')).toContain('"task":"web-sessions"');

    // Idempotent: a second run (say, on another instance) finds nothing more to remove.
    const again = await runHousekeepingOnce({ db: db(), log: createLogger('silent'), clock: () => now });
    expect(again.every((o) => 'removed' in o && o.removed === 0)).toBe(true);
  });

  it('logs a failing task and runs the others', async () => {
    await db()
      .insertInto('rate_limit_counters')
      .values({ key_hash: sha256('counter stale again'), window_start: ago(20 * 60_000), window_end: ago(10 * 60_000), count: 1 })
      .execute();
    const failing: HousekeepingTask = {
      name: 'broken',
      deletes: 'nothing',
      retention: 'none',
      everyMs: 1000,
      run: () => Promise.reject(new Error('database away')),
    };
    const counters = HOUSEKEEPING_TASKS.find((task) => task.name === 'rate-limit-counters')!;
    const lines: string[] = [];
    const outcomes = await runHousekeepingOnce({
      db: db(),
      log: createLogger('info', (line) => lines.push(line)),
      clock: () => now,
      tasks: [failing, counters],
    });
    expect(outcomes[0]).toMatchObject({ task: 'broken', failed: expect.any(Error) });
    expect(outcomes[1]).toEqual({ task: 'rate-limit-counters', removed: 1 });
    expect(lines.find((line) => line.includes('"task":"broken"'))).toMatch(/"level":"warn".*database away|database away.*"level":"warn"/);
  });

  it('runs every task on its schedule until stopped, a failing one included', async () => {
    const runs = { good: 0, bad: 0 };
    const tasks: HousekeepingTask[] = [
      { name: 'good', deletes: 'nothing', retention: 'none', everyMs: 10, run: async () => (runs.good++, 0) },
      {
        name: 'bad',
        deletes: 'nothing',
        retention: 'none',
        everyMs: 10,
        run: async () => {
          runs.bad++;
          throw new Error('always');
        },
      },
    ];
    const stop = new AbortController();
    const housekeeping = startHousekeeping({ db: db(), log: createLogger('silent'), tasks, signal: stop.signal });
    while (runs.good < 3 || runs.bad < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    stop.abort();
    await housekeeping.stop();
    const after = { ...runs };
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toEqual(after);
  });
});
