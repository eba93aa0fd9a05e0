/**
 * The preservation job's bookkeeping: which stored documents it looks at, in what order, how each renewal is
 * stored, and the lease that lets one instance at a time run it when several share the database. The renewal
 * itself (reading a document, the archive time-stamp) is document work done elsewhere (`step`: in the portal,
 * a sealing worker; see src/sealing/preservation.ts), one document at a time.
 *
 * Resumable and idempotent by construction: each renewal is a new version stored in its own transaction, so a
 * crash loses at most the document in hand; a rerun judges every current version afresh, and a renewed one rests
 * on a time-stamp whose certificate outlasts the window, so it is not renewed again. A renewal of a version that
 * is no longer the newest (another run stored one meanwhile) is refused by addDocumentVersion.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { PreservationPolicy } from '../domain/preservation.js';
import type { Logger } from '../log.js';
import type { PreservationOutcome } from '../sealing/preservation.js';
import { addDocumentVersion, DocumentVersionError } from './certificate-documents.js';

export const PRESERVATION_JOB = 'preservation';
const EPOCH = '1970-01-01T00:00:00.000Z';

/** Takes (or renews) the job's lease for `holder`; false while another holder's lease runs. */
export async function takeJobLease(db: Kysely<Database>, job: string, holder: string, leaseMs: number, now = new Date()): Promise<boolean> {
  await db
    .insertInto('job_leases')
    .values({ job, holder, lease_until: EPOCH })
    .onConflict((oc) => oc.column('job').doNothing())
    .execute();
  const taken = await db
    .updateTable('job_leases')
    .set({ holder, lease_until: new Date(now.getTime() + leaseMs).toISOString() })
    .where('job', '=', job)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('lease_until', '<', now.toISOString())]))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

/** Gives the lease back, so the next turn of any instance may run the job at once. */
export async function releaseJobLease(db: Kysely<Database>, job: string, holder: string): Promise<void> {
  await db.updateTable('job_leases').set({ lease_until: EPOCH }).where('job', '=', job).where('holder', '=', holder).execute();
}

export interface PreservationRunOptions {
  /** The moment the need is judged at (now, or a simulated time). */
  at: Date;
  policy: PreservationPolicy;
  /** One document's step: judge it and, when needed, return its renewal. */
  step: (edoc: Uint8Array, at: Date) => Promise<PreservationOutcome>;
  /** Renew at most this many documents in this run (the rest wait for the next). */
  limit?: number;
  /** Documents read from the database at once (default 20: a few hundred kilobytes). */
  batchSize?: number;
  actor: string;
  channel: string;
  /** Who holds the lease (default: host and process id). */
  holder?: string;
  /** How long the lease lasts without renewal (default 10 minutes; renewed after every batch). */
  leaseMs?: number;
  signal?: AbortSignal;
  log?: Logger;
}

export interface PreservationRunResult {
  /** False when another instance held the lease: nothing was looked at. */
  ran: boolean;
  examined: number;
  renewed: number;
  /** Documents whose evidence needs nothing now. */
  current: number;
  /** Documents not at B-LT or B-LTA: they cannot be preserved, only sealed again. */
  notLongTerm: string[];
  /** Documents whose newest time-stamp's certificate has already expired: renewing would prove nothing. */
  tooLate: string[];
  failed: { number: string; message: string }[];
  /** Why the run stopped before the end, if it did. */
  stopped?: 'limit' | 'lease-lost' | 'aborted' | 'too-many-failures';
}

/** A run stops after this many failures in a row: the time-stamp authority or the responder is down. */
const MAX_FAILURES_IN_A_ROW = 10;

export async function runPreservation(db: Kysely<Database>, options: PreservationRunOptions): Promise<PreservationRunResult> {
  const holder = options.holder ?? `${hostname()}:${process.pid}`;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const result: PreservationRunResult = { ran: false, examined: 0, renewed: 0, current: 0, notLongTerm: [], tooLate: [], failed: [] };
  if (!(await takeJobLease(db, PRESERVATION_JOB, holder, leaseMs))) {
    options.log?.info('preservation skipped: another instance is running it', { holder });
    return result;
  }
  result.ran = true;
  const batchSize = options.batchSize ?? 20;
  let after = 0;
  let failuresInARow = 0;
  try {
    run: for (;;) {
      const batch = await db
        .selectFrom('current_certificate_documents as d')
        .innerJoin('certificates as c', 'c.id', 'd.certificate_id')
        .select(['d.certificate_id as certificateId', 'd.version', 'd.edoc', 'c.number'])
        .where('d.certificate_id', '>', after)
        .orderBy('d.certificate_id')
        .limit(batchSize)
        .execute();
      if (batch.length === 0) break;
      for (const row of batch) {
        after = row.certificateId;
        if (options.signal?.aborted) {
          result.stopped = 'aborted';
          break run;
        }
        if (options.limit !== undefined && result.renewed >= options.limit) {
          result.stopped = 'limit';
          break run;
        }
        result.examined++;
        try {
          const outcome = await options.step(new Uint8Array(row.edoc), options.at);
          failuresInARow = 0;
          if (outcome.need.action === 'none') result.current++;
          else if (outcome.need.action === 'not-long-term') result.notLongTerm.push(row.number);
          else if (outcome.need.action === 'too-late') result.tooLate.push(row.number);
          else if ('edoc' in outcome) {
            await addDocumentVersion(db, row.certificateId, outcome.edoc, 'archive-timestamp', {
              actor: options.actor,
              channel: options.channel,
              now: options.at,
              upgrades: row.version,
              details: { preservation: outcome.need.reason, timestamp: outcome.genTime.toISOString() },
            });
            result.renewed++;
          }
        } catch (error) {
          // Another run renewed it first: nothing lost, nothing to do.
          if (error instanceof DocumentVersionError && error.key === 'preserve.version-outdated') continue;
          result.failed.push({ number: row.number, message: error instanceof Error ? error.message : String(error) });
          if (++failuresInARow >= MAX_FAILURES_IN_A_ROW) {
            result.stopped = 'too-many-failures';
            break run;
          }
        }
      }
      if (!(await takeJobLease(db, PRESERVATION_JOB, holder, leaseMs))) {
        result.stopped = 'lease-lost';
        break;
      }
    }
  } finally {
    await releaseJobLease(db, PRESERVATION_JOB, holder).catch(() => undefined);
  }
  options.log?.info('preservation run', {
    at: options.at.toISOString(),
    windowDays: options.policy.windowDays,
    examined: result.examined,
    renewed: result.renewed,
    current: result.current,
    notLongTerm: result.notLongTerm.length,
    tooLate: result.tooLate.length,
    failed: result.failed.length,
    ...(result.stopped ? { stopped: result.stopped } : {}),
  });
  for (const failure of result.failed.slice(0, 5)) options.log?.warn('preservation failed for a document; the next run tries it again', failure);
  if (result.tooLate.length > 0) options.log?.warn('documents whose newest time-stamp expired before it was renewed', { count: result.tooLate.length, first: result.tooLate[0] });
  return result;
}
