/** Report jobs for tests: queued and claimed as the runner would, and the stored file read back whole. */
import type { Kysely } from 'kysely';
import type { Database, ReportFormat } from '../../db/schema.js';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS, enqueueReport, reportFileChunks } from '../../src/data/report-jobs.js';
import { saveStaffUser } from '../../src/data/staff.js';
import type { ReportRequest } from '../../src/domain/report-parameters.js';
import type { ReportTask } from '../../src/reports/task.js';
import { validPersonalCode } from '../support/register.js';

let users = 0;

/** Queues the report for a new agency user and claims it for `runner-test`: a job ready to run. */
export async function claimedJob(
  db: Kysely<Database>,
  report: { institutionId: number | null; format: ReportFormat; request: ReportRequest; lang?: 'lv' | 'en' },
): Promise<ReportTask> {
  const userId = await saveStaffUser(db, { personalCode: validPersonalCode(700_000 + ++users), displayName: 'Testa lietotājs', role: 'agency' });
  const parameters = { request: report.request, lang: report.lang ?? 'lv' };
  const jobId = await enqueueReport(
    db,
    { userId, institutionId: report.institutionId, type: report.request.type, format: report.format, parameters },
    DEFAULT_QUEUE_SETTINGS,
  );
  const job = await claimNextReport(db, 'runner-test', DEFAULT_QUEUE_SETTINGS);
  if (job?.id !== jobId) throw new Error(`expected to claim job ${jobId}, got ${job?.id}`);
  return { jobId, runnerId: 'runner-test', type: job.type, format: job.format, institutionId: job.institution_id, parameters };
}

export async function storedFile(db: Kysely<Database>, jobId: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of reportFileChunks(db, jobId)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
