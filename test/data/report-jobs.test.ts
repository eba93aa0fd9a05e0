/** The report queue in the database: bounded per user, claimed once, leases that lapse, files that expire. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimNextReport,
  clearReportFile,
  completeReport,
  DEFAULT_QUEUE_SETTINGS,
  enqueueReport,
  expireReports,
  failReport,
  findFinishedReport,
  listReports,
  recordProgress,
  releaseRunnerJobs,
  removeOrphanReportFiles,
  renewLease,
  ReportQueueFullError,
  reportFileChunks,
  writeReportChunk,
  ReportLeaseLostError,
  type NewReport,
} from '../../src/data/report-jobs.js';
import { agencyUser } from '../support/staff.js';
import { validPersonalCode } from '../support/register.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

const settings = { ...DEFAULT_QUEUE_SETTINGS, maxQueuedPerUser: 3, leaseMs: 30_000, maxAttempts: 2, retentionDays: 7 };

describe.each(DATABASE_KINDS)('report queue on %s', (kind) => {
  let test: TestDatabase;
  let alice: number;
  let bob: number;
  const db = () => test.handle.db;
  const report = (userId: number): NewReport => ({ userId, institutionId: null, type: 'graduates', format: 'xlsx', parameters: { request: { type: 'graduates', selectionDate: '2026-07-01', education: 'basic' }, lang: 'lv' } });
  const t0 = new Date('2026-11-23T08:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    alice = await agencyUser(db(), validPersonalCode(700_001));
    bob = await agencyUser(db(), validPersonalCode(700_002));
  });
  afterAll(async () => test?.close());
  beforeEach(async () => {
    await db().deleteFrom('report_file_chunks').execute();
    await db().deleteFrom('report_jobs').execute();
  });

  it('lets one user have only so many reports waiting, counting running ones too', async () => {
    for (let i = 0; i < 3; i++) await enqueueReport(db(), report(alice), settings, at(i));
    await expect(enqueueReport(db(), report(alice), settings, at(5))).rejects.toBeInstanceOf(ReportQueueFullError);
    // Others are not held up by her queue.
    await enqueueReport(db(), report(bob), settings, at(6));
    const claimed = await claimNextReport(db(), 'r1', settings, at(7));
    expect(claimed?.user_id).toBe(alice);
    await expect(enqueueReport(db(), report(alice), settings, at(8))).rejects.toBeInstanceOf(ReportQueueFullError);
    await completeReport(db(), claimed!.id, 'r1', { fileName: 'a.xlsx', fileSize: 1, rows: 1 }, settings, at(9));
    await enqueueReport(db(), report(alice), settings, at(10));
  });

  it('hands each job to exactly one of many runners claiming at once, oldest first', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) ids.push(await enqueueReport(db(), report(alice), settings, at(i)));
    for (let i = 0; i < 3; i++) ids.push(await enqueueReport(db(), report(bob), settings, at(3 + i)));
    const claims = await Promise.all(Array.from({ length: 12 }, (_, i) => claimNextReport(db(), `runner-${i}`, settings, at(10))));
    const won = claims.filter((c) => c !== undefined).map((c) => c!.id);
    expect(won.sort((a, b) => a - b)).toEqual(ids);
    const rows = await db().selectFrom('report_jobs').selectAll().execute();
    expect(rows.every((r) => r.status === 'running' && r.attempts === 1 && r.claimed_by !== null)).toBe(true);
    expect(new Set(rows.map((r) => r.claimed_by)).size).toBe(6);
  });

  it('takes a job again once its runner’s lease has lapsed, and no sooner', async () => {
    await enqueueReport(db(), report(alice), settings, at(0));
    const first = await claimNextReport(db(), 'dead', settings, at(1));
    expect(await claimNextReport(db(), 'other', settings, at(20))).toBeUndefined();
    expect(await renewLease(db(), first!.id, 'dead', settings, at(20))).toBe(true);
    expect(await claimNextReport(db(), 'other', settings, at(45))).toBeUndefined();
    const again = await claimNextReport(db(), 'other', settings, at(51));
    expect(again).toMatchObject({ id: first!.id, claimed_by: 'other', attempts: 2, rows_done: 0 });
    // The first runner has lost it: it can neither renew, report progress nor finish.
    expect(await renewLease(db(), first!.id, 'dead', settings, at(52))).toBe(false);
    await recordProgress(db(), first!.id, 'dead', 99, 100);
    expect(await completeReport(db(), first!.id, 'dead', { fileName: 'x', fileSize: 1, rows: 1 }, settings, at(53))).toBe(false);
    const row = await db().selectFrom('report_jobs').selectAll().where('id', '=', first!.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'running', claimed_by: 'other', rows_done: 0 });
  });

  it('fails a job as interrupted when its last allowed attempt also died, never leaving it running', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'a', settings, at(1));
    await claimNextReport(db(), 'b', settings, at(40));
    expect(await claimNextReport(db(), 'c', settings, at(80))).toBeUndefined();
    const row = await db().selectFrom('report_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', failure: 'interrupted', attempts: 2 });
  });

  it('puts a stopping runner’s jobs back in the queue without using up an attempt', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'stopping', settings, at(1));
    expect(await releaseRunnerJobs(db(), 'stopping')).toBe(1);
    const row = await db().selectFrom('report_jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', claimed_by: null, attempts: 0 });
    expect((await claimNextReport(db(), 'next', settings, at(2)))?.id).toBe(id);
  });

  it('stores a file in chunks, serves it back whole to its owner only, and expires it', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'r', settings, at(1));
    // An earlier attempt's leftovers are cleared before writing.
    await writeReportChunk(db(), id, 'r', 0, new Uint8Array([9, 9, 9]));
    await clearReportFile(db(), id, 'r');
    const parts = [new Uint8Array(300).fill(1), new Uint8Array(300).fill(2), new Uint8Array(5).fill(3), new Uint8Array(7).fill(4), new Uint8Array(1).fill(5)];
    for (const [i, part] of parts.entries()) await writeReportChunk(db(), id, 'r', i, part);
    expect(await completeReport(db(), id, 'r', { fileName: 'r.xlsx', fileSize: 613, rows: 10 }, settings, at(2))).toBe(true);
    const read: number[] = [];
    for await (const chunk of reportFileChunks(db(), id, 2)) read.push(...chunk);
    expect(read).toEqual(parts.flatMap((p) => [...p]));
    expect(await findFinishedReport(db(), bob, id)).toBeUndefined();
    expect(await findFinishedReport(db(), alice, id)).toMatchObject({ file_name: 'r.xlsx', status: 'done' });
    expect(await expireReports(db(), at(6 * 86_400))).toBe(0);
    expect(await expireReports(db(), at(7 * 86_400 + 3))).toBe(1);
    expect(await findFinishedReport(db(), alice, id)).toBeUndefined();
    expect(await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', id).execute()).toEqual([]);
    const { items, total } = await listReports(db(), alice, { offset: 0, limit: 10 });
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ id, status: 'expired' });
  });

  it('takes no piece of a file from a runner whose job was taken over', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'slow', settings, at(1));
    await writeReportChunk(db(), id, 'slow', 0, new Uint8Array([1]));
    // The lease lapses; another runner takes the job.
    expect((await claimNextReport(db(), 'quick', settings, at(40)))?.id).toBe(id);
    await expect(writeReportChunk(db(), id, 'slow', 1, new Uint8Array([2]))).rejects.toBeInstanceOf(ReportLeaseLostError);
    await clearReportFile(db(), id, 'quick');
    await writeReportChunk(db(), id, 'quick', 0, new Uint8Array([3]));
    expect(await db().selectFrom('report_file_chunks').select(['chunk_no', 'data']).where('job_id', '=', id).execute()).toEqual([{ chunk_no: 0, data: expect.anything() }]);
    const read: number[] = [];
    for await (const chunk of reportFileChunks(db(), id)) read.push(...chunk);
    expect(read).toEqual([3]);
  });

  it('drops a failed job’s partial file and keeps the reason', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'r', settings, at(1));
    await writeReportChunk(db(), id, 'r', 0, new Uint8Array([1]));
    await failReport(db(), id, 'r', 'no-session', at(2));
    expect(await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', id).execute()).toEqual([]);
    const { items } = await listReports(db(), alice, { offset: 0, limit: 10 });
    expect(items[0]).toMatchObject({ status: 'failed', failure: 'no-session' });
  });

  const chunksOf = async (id: number) =>
    (await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', id).orderBy('chunk_no').execute()).map((c) => c.chunk_no);

  it('drops the partial file of a job given up as interrupted, in the same step', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'a', settings, at(1));
    await writeReportChunk(db(), id, 'a', 0, new Uint8Array([1]));
    await claimNextReport(db(), 'b', settings, at(40));
    await clearReportFile(db(), id, 'b');
    await writeReportChunk(db(), id, 'b', 0, new Uint8Array([2]));
    await writeReportChunk(db(), id, 'b', 1, new Uint8Array([3]));
    // The last allowed attempt's lease lapses too: the job fails, and nothing of its file stays behind.
    expect(await claimNextReport(db(), 'c', settings, at(80))).toBeUndefined();
    expect(await db().selectFrom('report_jobs').select(['status', 'failure']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'failed', failure: 'interrupted' });
    expect(await chunksOf(id)).toEqual([]);
    await expect(writeReportChunk(db(), id, 'b', 2, new Uint8Array([4]))).rejects.toBeInstanceOf(ReportLeaseLostError);
    expect(await chunksOf(id)).toEqual([]);
  });

  it('puts a stopping runner’s job back in the queue without its partial file', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'stopping', settings, at(1));
    await writeReportChunk(db(), id, 'stopping', 0, new Uint8Array([1]));
    expect(await releaseRunnerJobs(db(), 'stopping')).toBe(1);
    expect(await chunksOf(id)).toEqual([]);
    // A worker that was still writing when the job went back cannot add to it.
    await expect(writeReportChunk(db(), id, 'stopping', 1, new Uint8Array([2]))).rejects.toBeInstanceOf(ReportLeaseLostError);
    expect(await chunksOf(id)).toEqual([]);
  });

  it('lets only the job’s current runner clear its file', async () => {
    const id = await enqueueReport(db(), report(alice), settings, at(0));
    await claimNextReport(db(), 'slow', settings, at(1));
    expect((await claimNextReport(db(), 'quick', settings, at(40)))?.id).toBe(id);
    await clearReportFile(db(), id, 'quick');
    await writeReportChunk(db(), id, 'quick', 0, new Uint8Array([1]));
    // The runner that lost the job starts late: it must not wipe what the new runner has written.
    await expect(clearReportFile(db(), id, 'slow')).rejects.toBeInstanceOf(ReportLeaseLostError);
    expect(await chunksOf(id)).toEqual([0]);
  });

  it('sweeps the pieces of failed, expired and queued jobs, never of running or finished ones', async () => {
    const job = async (status: 'queued' | 'running' | 'done' | 'failed' | 'expired', chunks: number) => {
      // As an older version could leave them: rows and pieces written directly, whatever the status.
      const { id } = await db()
        .insertInto('report_jobs')
        .values({
          user_id: alice,
          institution_id: null,
          type: 'graduates',
          format: 'csv',
          parameters: '{}',
          status,
          requested_at: at(0).toISOString(),
          ...(status === 'running' ? { claimed_by: 'alive', lease_until: at(3600).toISOString(), attempts: 1 } : {}),
          ...(status === 'failed' ? { failure: 'interrupted', finished_at: at(1).toISOString() } : {}),
          ...(status === 'done' ? { file_name: 'f.csv', file_size: chunks, finished_at: at(1).toISOString(), expires_at: at(7 * 86_400).toISOString() } : {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (let i = 0; i < chunks; i++) await db().insertInto('report_file_chunks').values({ job_id: id, chunk_no: i, data: new Uint8Array([i]) }).execute();
      return id;
    };
    const failed = await job('failed', 3);
    const expired = await job('expired', 1);
    const queued = await job('queued', 2);
    const running = await job('running', 2);
    const done = await job('done', 2);
    const failedClean = await job('failed', 0);
    expect(await removeOrphanReportFiles(db())).toBe(3);
    expect(await chunksOf(failed)).toEqual([]);
    expect(await chunksOf(expired)).toEqual([]);
    expect(await chunksOf(queued)).toEqual([]);
    expect(await chunksOf(failedClean)).toEqual([]);
    expect(await chunksOf(running)).toEqual([0, 1]);
    expect(await chunksOf(done)).toEqual([0, 1]);
    // The running job's runner goes on writing; the finished file is still served whole.
    await writeReportChunk(db(), running, 'alive', 2, new Uint8Array([2]));
    expect(await chunksOf(running)).toEqual([0, 1, 2]);
    const read: number[] = [];
    for await (const chunk of reportFileChunks(db(), done)) read.push(...chunk);
    expect(read).toEqual([0, 1]);
    expect(await removeOrphanReportFiles(db())).toBe(0);
  });

  it('lists a user’s own reports only, newest first, a page at a time', async () => {
    for (let i = 0; i < 3; i++) await enqueueReport(db(), report(alice), settings, at(i));
    await enqueueReport(db(), report(bob), settings, at(9));
    const first = await listReports(db(), alice, { offset: 0, limit: 2 });
    expect(first.total).toBe(3);
    expect(first.items.map((i) => i.requested_at)).toEqual([at(2).toISOString(), at(1).toISOString()]);
    const second = await listReports(db(), alice, { offset: 2, limit: 2 });
    expect(second.items.map((i) => i.requested_at)).toEqual([at(0).toISOString()]);
  });
});
