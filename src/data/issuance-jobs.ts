/**
 * The issuance queue: "issue certificates" for one exam session, kept in the database with the same lease
 * mechanics as the report queue (src/data/report-jobs.ts), so any instance, or a restarted one, takes a job up.
 *
 * A job is `queued`, then `running` under a lease its runner renews, then `done` or `failed`. A runner that dies
 * leaves a lease that lapses; the job is then taken again, up to a bounded number of attempts. Taking a job again
 * is safe because its work is: issuing skips sittings that have a certificate, and sealing seals only
 * certificates without a document and stores each document in an insert that never overwrites (data/sealing.ts).
 *
 * Progress is read from the register itself (certificates of the session, and those with a sealed document), so
 * it is right after any crash; the job keeps the counts of its own attempt and the reasons of failures.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import type { Database, IssuanceJob, IssuanceStatus } from '../../db/schema.js';
import { KeyedError } from '../errors.js';

export interface IssuanceQueueSettings {
  leaseMs: number;
  /** Times a job is started before an interrupted one is given up as failed. */
  maxAttempts: number;
}

export const DEFAULT_ISSUANCE_SETTINGS: IssuanceQueueSettings = { leaseMs: 30_000, maxAttempts: 5 };

export class IssuanceError extends KeyedError {}

const ACTIVE: IssuanceStatus[] = ['queued', 'running'];

/**
 * Queues issuance for a session, or returns the job already queued or running for it: one session is never
 * worked on by two jobs at once.
 */
export async function enqueueIssuance(db: Kysely<Database>, request: { sessionId: number; userId: number | null; actor: string }, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    // Two requests for one session at once: serialise them on the session's row.
    const session = await trx.updateTable('exam_sessions').set((eb) => ({ id: eb.ref('id') })).where('id', '=', request.sessionId).executeTakeFirst();
    if (Number(session.numUpdatedRows) !== 1) throw new IssuanceError('session.unknown', { id: request.sessionId });
    const active = await trx
      .selectFrom('issuance_jobs')
      .select('id')
      .where('session_id', '=', request.sessionId)
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    if (active) return active.id;
    const inserted = await trx
      .insertInto('issuance_jobs')
      .values({ session_id: request.sessionId, user_id: request.userId, actor: request.actor, status: 'queued', requested_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return inserted.id;
  });
}

/** Takes the oldest queued job, or one running under a lapsed lease (see claimNextReport for the method). */
export async function claimNextIssuance(db: Kysely<Database>, runnerId: string, settings: IssuanceQueueSettings, now = new Date()): Promise<IssuanceJob | undefined> {
  const at = now.toISOString();
  await db
    .updateTable('issuance_jobs')
    .set({ status: 'failed', failure: 'interrupted', finished_at: at, lease_until: null, claimed_by: null })
    .where('status', '=', 'running')
    .where('lease_until', '<', at)
    .where('attempts', '>=', settings.maxAttempts)
    .execute();
  const claimable = (eb: ExpressionBuilder<Database, 'issuance_jobs'>) =>
    eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '<', at)])]);
  const oldestClaimable = (eb: ExpressionBuilder<Database, 'issuance_jobs'>) =>
    eb.selectFrom('issuance_jobs').select('id').where(claimable).orderBy('requested_at').orderBy('id').limit(1);
  const claim = (trx: Kysely<Database>, id: number | ((eb: ExpressionBuilder<Database, 'issuance_jobs'>) => ReturnType<typeof oldestClaimable>)) =>
    trx
      .updateTable('issuance_jobs')
      .set((eb) => ({
        status: 'running',
        claimed_by: runnerId,
        lease_until: new Date(now.getTime() + settings.leaseMs).toISOString(),
        started_at: at,
        attempts: eb('attempts', '+', 1),
      }))
      .where('id', '=', id)
      .where(claimable)
      .returningAll()
      .executeTakeFirst();
  if (!isPostgres(db)) return claim(db, oldestClaimable);
  return db.transaction().execute(async (trx) => {
    const chosen = await trx.selectFrom('issuance_jobs').select('id').where(claimable).orderBy('requested_at').orderBy('id').limit(1).forUpdate().skipLocked().executeTakeFirst();
    return chosen ? claim(trx, chosen.id) : undefined;
  });
}

/** Extends the runner's lease; false when the job is no longer this runner's. */
export async function renewIssuanceLease(db: Kysely<Database>, jobId: number, runnerId: string, settings: IssuanceQueueSettings, now = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('issuance_jobs')
    .set({ lease_until: new Date(now.getTime() + settings.leaseMs).toISOString() })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Records this attempt's counts while the job is still this runner's. */
export async function recordIssuanceProgress(db: Kysely<Database>, jobId: number, runnerId: string, counts: { issued?: number; sealed?: number }): Promise<void> {
  await db
    .updateTable('issuance_jobs')
    .set(counts)
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .execute();
}

export interface IssuanceFailure {
  number: string;
  reason: string;
}

/** Ends the job: done (with the certificates that could not be sealed, if any) or failed with a reason key. */
export async function finishIssuance(
  db: Kysely<Database>,
  jobId: number,
  runnerId: string,
  outcome: { status: 'done'; failures: IssuanceFailure[] } | { status: 'failed'; failure: string },
  now = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('issuance_jobs')
    .set({
      status: outcome.status,
      finished_at: now.toISOString(),
      lease_until: null,
      failures: outcome.status === 'done' && outcome.failures.length > 0 ? JSON.stringify(outcome.failures) : null,
      failure: outcome.status === 'failed' ? outcome.failure : null,
    })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Puts this runner's running jobs back in the queue (a clean shutdown); another runner resumes them. */
export async function releaseIssuanceJobs(db: Kysely<Database>, runnerId: string): Promise<number> {
  const released = await db
    .updateTable('issuance_jobs')
    .set((eb) => ({ status: 'queued', claimed_by: null, lease_until: null, attempts: eb('attempts', '-', 1) }))
    .where('status', '=', 'running')
    .where('claimed_by', '=', runnerId)
    .returning('id')
    .execute();
  return released.length;
}

export interface IssuanceProgress {
  sessionId: number;
  /** The session's newest job, if any was ever queued. */
  job?: {
    id: number;
    status: IssuanceStatus;
    attempts: number;
    requestedAt: string;
    finishedAt: string | null;
    failures: IssuanceFailure[];
    failure: string | null;
  };
  /** Certificates of the session in the register (issued, not annulled). */
  issued: number;
  /** Of those, sealed (a document is stored). */
  sealed: number;
  /** Certificates the last finished job could not seal. */
  failed: number;
  /** 0–100: sealed (or given up) of issued; 100 once the job is done. */
  percent: number;
}

/** Where a session's issuance stands, from the register and its newest job. */
export async function issuanceProgress(db: Kysely<Database>, sessionId: number): Promise<IssuanceProgress> {
  const [counts, job] = await Promise.all([
    db
      .selectFrom('certificates')
      .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .leftJoin('certificate_documents', (join) =>
        join.onRef('certificate_documents.certificate_id', '=', 'certificates.id').on('certificate_documents.version', '=', 1),
      )
      .where('registrations.session_id', '=', sessionId)
      .where('certificates.state', '=', 'issued')
      .select([
        sql<number>`cast(count(certificates.id) as integer)`.as('issued'),
        sql<number>`cast(count(certificate_documents.certificate_id) as integer)`.as('sealed'),
      ])
      .executeTakeFirstOrThrow(),
    db.selectFrom('issuance_jobs').selectAll().where('session_id', '=', sessionId).orderBy('id', 'desc').limit(1).executeTakeFirst(),
  ]);
  const issued = Number(counts.issued);
  const sealed = Number(counts.sealed);
  const failures = job?.failures ? (JSON.parse(job.failures) as IssuanceFailure[]) : [];
  const failed = job?.status === 'done' ? failures.length : 0;
  const finished = job?.status === 'done' || job?.status === 'failed';
  const percent = job?.status === 'done' ? 100 : issued === 0 ? 0 : finished ? Math.floor((100 * (sealed + failed)) / issued) : Math.min(99, Math.floor((100 * sealed) / issued));
  return {
    sessionId,
    ...(job
      ? {
          job: {
            id: job.id,
            status: job.status,
            attempts: job.attempts,
            requestedAt: job.requested_at,
            finishedAt: job.finished_at,
            failures,
            failure: job.failure,
          },
        }
      : {}),
    issued,
    sealed,
    failed,
    percent,
  };
}

/** The jobs queued or running now, oldest first (the queue as the issuance page lists it). */
export async function activeIssuanceSessions(db: Kysely<Database>): Promise<{ jobId: number; sessionId: number; status: IssuanceStatus }[]> {
  const rows = await db
    .selectFrom('issuance_jobs')
    .select(['id', 'session_id', 'status'])
    .where('status', 'in', ACTIVE)
    .orderBy('requested_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ jobId: r.id, sessionId: r.session_id, status: r.status }));
}
