/**
 * How much queued work waits in the database, for the people on duty (metrics and the agency's results-day page):
 * report and issuance jobs that are queued and not yet taken by any instance.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface QueuedJobs {
  reports: number;
  issuance: number;
}

export async function queuedJobs(db: Kysely<Database>): Promise<QueuedJobs> {
  const [reports, issuance] = await Promise.all([
    db.selectFrom('report_jobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow(),
    db.selectFrom('issuance_jobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow(),
  ]);
  return { reports: Number(reports.n), issuance: Number(issuance.n) };
}
