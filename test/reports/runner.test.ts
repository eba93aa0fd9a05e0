/**
 * The report runner: a job whose runner died (a portal killed mid-job) is finished by another runner once the
 * lease lapses; a clean stop hands running jobs back; a refused report is marked failed with its reason.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS, enqueueReport, type ReportQueueSettings } from '../../src/data/report-jobs.js';
import { createLogger } from '../../src/log.js';
import { InlineReportExecutor, type ReportExecutor } from '../../src/reports/pool.js';
import { ReportRunner } from '../../src/reports/runner.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';
import { agencyUser } from '../support/staff.js';

const settings: ReportQueueSettings = { ...DEFAULT_QUEUE_SETTINGS, leaseMs: 600, maxAttempts: 3 };

/** An executor whose work never ends: what a job looks like from the database when its process has died. */
const hanging: ReportExecutor = { run: () => new Promise(() => {}), close: async () => {} };

describe.each(DATABASE_KINDS)('report runner on %s', (kind) => {
  let test: TestDatabase;
  let session: SeededSession;
  let userId: number;
  const db = () => test.handle.db;
  const runners: ReportRunner[] = [];
  const runner = (executor: ReportExecutor) => {
    const made = new ReportRunner({ db: db(), executor, settings, concurrency: 1, log: createLogger('silent'), pollMs: 50 });
    runners.push(made);
    return made;
  };
  const job = (id: number) => db().selectFrom('report_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  async function until(check: () => Promise<boolean>, ms = 10_000) {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const queue = (sessionId: number) =>
    enqueueReport(db(), { userId, institutionId: session.institutionId, type: 'institution-results', format: 'csv', parameters: { request: { type: 'institution-results', sessionId }, lang: 'lv' } }, settings);

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    session = await seedSession(db(), { examCode: 'LAT09', candidates: 4 });
    userId = await agencyUser(db(), validPersonalCode(900_001));
  });
  beforeEach(async () => {
    for (const r of runners.splice(0)) await r.stop().catch(() => {});
    await db().deleteFrom('report_file_chunks').execute();
    await db().deleteFrom('report_jobs').execute();
  });
  afterAll(async () => {
    for (const r of runners.splice(0)) await r.stop().catch(() => {});
    await test?.close();
  });

  it('finishes a job whose runner died, once its lease lapses, exactly once', async () => {
    const id = await queue(session.sessionId);
    // What a killed portal leaves behind: the job claimed and running under a lease nobody renews.
    const orphaned = await claimNextReport(db(), 'killed-instance', settings);
    expect(orphaned?.id).toBe(id);
    const survivor = runner(new InlineReportExecutor(db()));
    survivor.start();
    await new Promise((r) => setTimeout(r, settings.leaseMs / 3));
    expect(await job(id)).toMatchObject({ status: 'running', claimed_by: 'killed-instance' });
    await until(async () => (await job(id)).status === 'done');
    const done = await job(id);
    expect(done.claimed_by).toBe(survivor.runnerId);
    expect(done.attempts).toBe(2);
    expect(done.rows_done).toBe(4);
    const chunks = await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', id).execute();
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('puts running jobs back in the queue on a clean stop, and another runner completes them', async () => {
    const id = await queue(session.sessionId);
    const stopping = runner(hanging);
    stopping.start();
    await until(async () => (await job(id)).status === 'running');
    await stopping.stop();
    expect(await job(id)).toMatchObject({ status: 'queued', claimed_by: null, attempts: 0 });
    runner(new InlineReportExecutor(db())).start();
    await until(async () => (await job(id)).status === 'done');
  });

  it('marks a refused report failed with its reason', async () => {
    const id = await queue(999_999);
    runner(new InlineReportExecutor(db())).start();
    await until(async () => (await job(id)).status === 'failed');
    expect((await job(id)).failure).toBe('no-session');
  });
});
