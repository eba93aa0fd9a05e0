/**
 * The report queue, kept in the database so that any instance (or a restarted one) can take any job, and the
 * finished files, kept as chunks so that any instance can serve a download without holding it in memory.
 *
 * A job is `queued`, then `running` under a lease its runner renews, then `done` (with a file), `failed` (with a
 * reason key) or, once its file is past the retention period, `expired`. A runner that dies leaves a lease that
 * lapses; the job is then taken again, up to a bounded number of attempts, after which it fails with the reason
 * "interrupted". It is never left running, and only a `done` job keeps file pieces: every other way out of
 * `running` drops them in the same transaction, and the hourly sweep removes any that an older version left.
 */
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import type { Database, ReportFormat, ReportJob, ReportStatus, ReportType } from '../../db/schema.js';
import type { ReportParameters } from '../domain/report-parameters.js';

/** Size of one stored piece of a report file: big enough to be cheap, small enough to stream. */
export const REPORT_CHUNK_BYTES = 256 * 1024;

export interface ReportQueueSettings {
  /** Jobs one user may have queued or running at once (REPORT_MAX_QUEUED). */
  maxQueuedPerUser: number;
  /** Days a finished file is kept (REPORT_RETENTION_DAYS). */
  retentionDays: number;
  /** How long a claim holds without renewal; a runner renews it well before. */
  leaseMs: number;
  /** Times a job is started before an interrupted one is given up as failed. */
  maxAttempts: number;
}

export const DEFAULT_QUEUE_SETTINGS: ReportQueueSettings = { maxQueuedPerUser: 5, retentionDays: 7, leaseMs: 30_000, maxAttempts: 3 };

export interface NewReport {
  userId: number;
  institutionId: number | null;
  type: ReportType;
  format: ReportFormat;
  /** The parsed request, stored as JSON. */
  parameters: unknown;
}

/** The user already has as many jobs waiting as they may. */
export class ReportQueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} reports may wait at once`);
    this.name = 'ReportQueueFullError';
  }
}

const ACTIVE: ReportStatus[] = ['queued', 'running'];

/** Queues a report for the user, unless they already have `maxQueuedPerUser` queued or running. */
export async function enqueueReport(db: Kysely<Database>, report: NewReport, settings: ReportQueueSettings, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    if (isPostgres(trx)) {
      // Two requests of one user at once must not both pass the count: serialise them on the user's row.
      await sql`select id from users where id = ${report.userId} for update`.execute(trx);
    }
    const active = await trx
      .selectFrom('report_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', report.userId)
      .where('status', 'in', ACTIVE)
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= settings.maxQueuedPerUser) throw new ReportQueueFullError(settings.maxQueuedPerUser);
    const inserted = await trx
      .insertInto('report_jobs')
      .values({
        user_id: report.userId,
        institution_id: report.institutionId,
        type: report.type,
        format: report.format,
        parameters: JSON.stringify(report.parameters),
        status: 'queued',
        requested_at: now.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return inserted.id;
  });
}

export type ReportListItem = Pick<
  ReportJob,
  'id' | 'type' | 'format' | 'status' | 'rows_done' | 'rows_total' | 'failure' | 'requested_at' | 'finished_at' | 'file_name' | 'file_size' | 'expires_at'
>;

/** A report in the user's list: its state and what was asked for (the parameters, the institution's name). */
export interface ReportListEntry extends ReportListItem {
  parameters: ReportParameters;
  /** Null: all institutions. */
  institutionName: string | null;
}

/** One page of the user's own reports, newest first, with the total for the pager. */
export async function listReports(db: Kysely<Database>, userId: number, page: { offset: number; limit: number }): Promise<{ items: ReportListEntry[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('report_jobs')
      .leftJoin('institutions', 'institutions.id', 'report_jobs.institution_id')
      .select([
        'report_jobs.id',
        'report_jobs.type',
        'report_jobs.format',
        'report_jobs.status',
        'report_jobs.rows_done',
        'report_jobs.rows_total',
        'report_jobs.failure',
        'report_jobs.requested_at',
        'report_jobs.finished_at',
        'report_jobs.file_name',
        'report_jobs.file_size',
        'report_jobs.expires_at',
        'report_jobs.parameters',
        'institutions.name as institutionName',
      ])
      .where('report_jobs.user_id', '=', userId)
      .orderBy('report_jobs.requested_at', 'desc')
      .orderBy('report_jobs.id', 'desc')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    db.selectFrom('report_jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow(),
  ]);
  const items = rows.map((r) => ({ ...r, parameters: JSON.parse(r.parameters) as ReportParameters }));
  return { items, total: Number(count.n) };
}

/** The user's own finished report, or undefined (someone else's, unknown, not finished or expired). */
export async function findFinishedReport(db: Kysely<Database>, userId: number, jobId: number): Promise<ReportListItem | undefined> {
  return db
    .selectFrom('report_jobs')
    .select(['id', 'type', 'format', 'status', 'rows_done', 'rows_total', 'failure', 'requested_at', 'finished_at', 'file_name', 'file_size', 'expires_at'])
    .where('id', '=', jobId)
    .where('user_id', '=', userId)
    .where('status', '=', 'done')
    .executeTakeFirst();
}

/**
 * Takes the oldest job that is queued, or running under a lapsed lease, for this runner: one statement that only
 * one runner can win, on SQLite (one writer at a time) and PostgreSQL (`for update skip locked`) alike. A lapsed
 * job that has used up its attempts is marked failed ("interrupted") instead.
 */
export async function claimNextReport(db: Kysely<Database>, runnerId: string, settings: ReportQueueSettings, now = new Date()): Promise<ReportJob | undefined> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const interrupted = await trx
      .updateTable('report_jobs')
      .set({ status: 'failed', failure: 'interrupted', finished_at: at, lease_until: null, claimed_by: null })
      .where('status', '=', 'running')
      .where('lease_until', '<', at)
      .where('attempts', '>=', settings.maxAttempts)
      .returning('id')
      .execute();
    // Its last runner can no longer write (the job is not running); what that runner wrote would never be served.
    if (interrupted.length > 0) await trx.deleteFrom('report_file_chunks').where('job_id', 'in', interrupted.map((j) => j.id)).execute();
  });
  const claimable = (eb: ExpressionBuilder<Database, 'report_jobs'>) =>
    eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', at)])]);
  const claim = (trx: Kysely<Database>, id: number | ((eb: ExpressionBuilder<Database, 'report_jobs'>) => ReturnType<typeof oldestClaimable>)) =>
    trx
      .updateTable('report_jobs')
      .set((eb) => ({
        status: 'running',
        claimed_by: runnerId,
        lease_until: new Date(now.getTime() + settings.leaseMs).toISOString(),
        started_at: at,
        attempts: eb('attempts', '+', 1),
        rows_done: 0,
        rows_total: null,
      }))
      .where('id', '=', id)
      .where(claimable)
      .returningAll()
      .executeTakeFirst();
  const oldestClaimable = (eb: ExpressionBuilder<Database, 'report_jobs'>) =>
    eb.selectFrom('report_jobs').select('id').where(claimable).orderBy('requested_at').orderBy('id').limit(1);
  // SQLite: one statement, which holds the only write lock from choosing to claiming, even across processes
  // sharing the file (a select, then an update, in a deferred transaction could not upgrade its lock).
  if (!isPostgres(db)) return claim(db, oldestClaimable);
  return db.transaction().execute(async (trx) => {
    const chosen = await trx.selectFrom('report_jobs').select('id').where(claimable).orderBy('requested_at').orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();
    return chosen ? claim(trx, chosen.id) : undefined;
  });
}

/** Extends the runner's lease; false when the job is no longer this runner's (it lapsed and was taken again). */
export async function renewLease(db: Kysely<Database>, jobId: number, runnerId: string, settings: ReportQueueSettings, now = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('report_jobs')
    .set({ lease_until: new Date(now.getTime() + settings.leaseMs).toISOString() })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Rows written so far (and in all, once known), for the live status. */
export async function recordProgress(db: Kysely<Database>, jobId: number, runnerId: string, done: number, total: number | null): Promise<void> {
  await db
    .updateTable('report_jobs')
    .set({ rows_done: done, rows_total: total })
    .where('id', '=', jobId)
    .where('claimed_by', '=', runnerId)
    .where('status', '=', 'running')
    .execute();
}


/** The job is no longer this runner's (its lease lapsed and another took it): it must stop writing. */
export class ReportLeaseLostError extends Error {
  constructor(readonly jobId: number) {
    super(`report job ${jobId} is no longer this runner's`);
    this.name = 'ReportLeaseLostError';
  }
}

/**
 * Forgets what an earlier, interrupted attempt stored: every attempt writes the file from the start. Only the
 * job's current runner may do it; a runner that lost the job would otherwise delete its successor's pieces.
 */
export async function clearReportFile(db: Kysely<Database>, jobId: number, runnerId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await holdsJob(trx, jobId, runnerId))) throw new ReportLeaseLostError(jobId);
    await trx.deleteFrom('report_file_chunks').where('job_id', '=', jobId).execute();
  });
}

/**
 * Whether the job is running under this runner, locking its row on PostgreSQL until the transaction ends: a claim
 * by another runner waits until this transaction's pieces are in (and then that runner clears them); SQLite's
 * write lock, taken when the transaction begins, does the same there.
 */
async function holdsJob(trx: Transaction<Database>, jobId: number, runnerId: string): Promise<boolean> {
  const owned = await trx
    .selectFrom('report_jobs')
    .select('id')
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .$if(isPostgres(trx), (q) => q.forUpdate())
    .executeTakeFirst();
  return owned !== undefined;
}

/**
 * Stores one piece of the job's file, only while the job is still this runner's: a runner that lost its lease
 * (a long pause, a slow disk) cannot mix its pieces into the file of the runner that took the job over.
 */
export async function writeReportChunk(db: Kysely<Database>, jobId: number, runnerId: string, chunkNo: number, data: Uint8Array): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (!(await holdsJob(trx, jobId, runnerId))) throw new ReportLeaseLostError(jobId);
    await trx.insertInto('report_file_chunks').values({ job_id: jobId, chunk_no: chunkNo, data }).execute();
  });
}

export interface FinishedFile {
  fileName: string;
  fileSize: number;
  rows: number;
}

/** Marks the job done, with its file kept for the retention period; false when the job was no longer this runner's. */
export async function completeReport(
  db: Kysely<Database>,
  jobId: number,
  runnerId: string,
  file: FinishedFile,
  settings: ReportQueueSettings,
  now = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('report_jobs')
    .set({
      status: 'done',
      file_name: file.fileName,
      file_size: file.fileSize,
      rows_done: file.rows,
      rows_total: file.rows,
      finished_at: now.toISOString(),
      expires_at: new Date(now.getTime() + settings.retentionDays * 86_400_000).toISOString(),
      lease_until: null,
      failure: null,
    })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks the job failed with a reason key (`reports.failure.<key>`) and drops any partial file. */
export async function failReport(db: Kysely<Database>, jobId: number, runnerId: string, failure: string, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('report_jobs')
      .set({ status: 'failed', failure, finished_at: now.toISOString(), lease_until: null })
      .where('id', '=', jobId)
      .where('status', '=', 'running')
      .where('claimed_by', '=', runnerId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 1) await trx.deleteFrom('report_file_chunks').where('job_id', '=', jobId).execute();
  });
}

/**
 * Puts this runner's running jobs back in the queue (a clean shutdown) without their partial files: another
 * runner starts them afresh. A worker still finishing a piece cannot add it afterwards (the job is not its own).
 */
export async function releaseRunnerJobs(db: Kysely<Database>, runnerId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const released = await trx
      .updateTable('report_jobs')
      .set((eb) => ({ status: 'queued', claimed_by: null, lease_until: null, rows_done: 0, rows_total: null, attempts: eb('attempts', '-', 1) }))
      .where('status', '=', 'running')
      .where('claimed_by', '=', runnerId)
      .returning('id')
      .execute();
    if (released.length > 0) await trx.deleteFrom('report_file_chunks').where('job_id', 'in', released.map((j) => j.id)).execute();
    return released.length;
  });
}

/** The stored file of a finished report, chunk by chunk (a few chunks in memory at a time). */
export async function* reportFileChunks(db: Kysely<Database>, jobId: number, batch = 4): AsyncGenerator<Uint8Array> {
  let next = 0;
  for (;;) {
    const rows = await db
      .selectFrom('report_file_chunks')
      .select(['chunk_no', 'data'])
      .where('job_id', '=', jobId)
      .where('chunk_no', '>=', next)
      .orderBy('chunk_no')
      .limit(batch)
      .execute();
    for (const row of rows) yield row.data instanceof Uint8Array ? row.data : new Uint8Array(row.data as ArrayBufferLike);
    if (rows.length < batch) return;
    next = rows[rows.length - 1]!.chunk_no + 1;
  }
}

/** Removes the files of reports past their retention period; the list keeps saying they expired. */
export async function expireReports(db: Kysely<Database>, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    const due = await trx.selectFrom('report_jobs').select('id').where('status', '=', 'done').where('expires_at', '<=', now.toISOString()).execute();
    if (due.length === 0) return 0;
    const ids = due.map((d) => d.id);
    await trx.deleteFrom('report_file_chunks').where('job_id', 'in', ids).execute();
    await trx.updateTable('report_jobs').set({ status: 'expired' }).where('id', 'in', ids).execute();
    return ids.length;
  });
}

/**
 * Removes file pieces that belong to no file anyone will download: those of jobs that failed, expired, or went
 * back to the queue with pieces of a lost attempt (left by an older version, or by a crash between steps). A
 * running job's pieces are its runner's and a done job's are its file; neither is touched. One statement, so a
 * queued job claimed meanwhile keeps whatever its new runner writes. Returns how many jobs had pieces removed.
 */
export async function removeOrphanReportFiles(db: Kysely<Database>): Promise<number> {
  const orphaned = (eb: ExpressionBuilder<Database, 'report_file_chunks'>) =>
    eb(
      'report_file_chunks.job_id',
      'in',
      eb.selectFrom('report_jobs').select('report_jobs.id').where('report_jobs.status', 'not in', ['done', 'running']),
    );
  const removed = await db.deleteFrom('report_file_chunks').where(orphaned).returning('job_id').execute();
  return new Set(removed.map((r) => r.job_id)).size;
}
