/**
 * The report runner: a job whose runner died (a portal killed mid-job) is finished by another runner once the
 * lease lapses; a clean stop hands running jobs back; a refused report is marked failed with its reason.
 */
import { until } from '../support/progress.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS, enqueueReport, writeReportChunk, type ReportQueueSettings } from '../../src/data/report-jobs.js';
import { createLogger } from '../../src/log.js';
import { InlineReportExecutor, type ReportExecutor } from '../../src/reports/pool.js';
import { ReportRunner } from '../../src/reports/runner.js';
import { runHousekeepingOnce } from '../../src/housekeeping.js';
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
  const queue = (sessionId: number) =>
    enqueueReport(
      db(),
      {
        userId,
        institutionId: session.institutionId,
        type: 'institution-results',
        format: 'csv',
        parameters: { request: { type: 'institution-results', sessionId }, lang: 'lv' },
      },
      settings,
    );

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

  it('keeps no piece of the file of a job that failed in the worker, or went back to the queue on a stop', async () => {
    const chunks = (id: number) => db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', id).execute();
    // Writes two pieces as a real worker would, then breaks (or, for the stop, never finishes).
    const halfway = (then: 'break' | 'hang'): ReportExecutor => ({
      async run(task) {
        await writeReportChunk(db(), task.jobId, task.runnerId, 0, new Uint8Array([1]));
        await writeReportChunk(db(), task.jobId, task.runnerId, 1, new Uint8Array([2]));
        if (then === 'break') throw new Error('disk full');
        return new Promise(() => {});
      },
      close: async () => {},
    });
    const broken = await queue(session.sessionId);
    const failing = runner(halfway('break'));
    failing.start();
    await until(async () => (await job(broken)).status === 'failed');
    expect((await job(broken)).failure).toBe('internal');
    expect(await chunks(broken)).toEqual([]);
    await failing.stop();

    const stopped = await queue(session.sessionId);
    const stopping = runner(halfway('hang'));
    stopping.start();
    await until(async () => (await chunks(stopped)).length === 2);
    await stopping.stop();
    expect(await job(stopped)).toMatchObject({ status: 'queued', claimed_by: null });
    expect(await chunks(stopped)).toEqual([]);
  });

  it('removes pieces left by an older version for failed jobs when housekeeping sweeps, leaving finished files alone', async () => {
    const failed = await queue(session.sessionId);
    await db().updateTable('report_jobs').set({ status: 'failed', failure: 'interrupted' }).where('id', '=', failed).execute();
    await db()
      .insertInto('report_file_chunks')
      .values({ job_id: failed, chunk_no: 0, data: new Uint8Array([1]) })
      .execute();
    const finished = runner(new InlineReportExecutor(db()));
    const done = await queue(session.sessionId);
    finished.start();
    await until(async () => (await job(done)).status === 'done');
    // Housekeeping sweeps on every instance (soon after start, and hourly after that).
    await runHousekeepingOnce({ db: db(), log: createLogger('silent') });
    await until(async () => (await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', failed).execute()).length === 0);
    expect((await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', done).execute()).length).toBeGreaterThan(0);
  });

  it('marks a refused report failed with its reason', async () => {
    const id = await queue(999_999);
    runner(new InlineReportExecutor(db())).start();
    await until(async () => (await job(id)).status === 'failed');
    expect((await job(id)).failure).toBe('no-session');
  });
});
