/**
 * The report pool's worker (pool.ts): runs one report job per task. Each worker opens its own database connection
 * from the settings it was started with and keeps it for its whole life; nothing but the task and the finished
 * file's facts crosses the thread boundary.
 */
import { workerData } from 'node:worker_threads';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../db/connect.js';
import type { FinishedFile } from '../data/report-jobs.js';
import { runReport } from './run.js';
import { ReportFailure, type ReportFailureKey, type ReportTask } from './task.js';

export interface ReportWorkerData {
  /** `postgres://…` or a SQLite file path, as for the portal itself. */
  databaseUrl: string;
  schema?: string;
}

/** A known failure travels as its key: an error's class does not survive the thread boundary. */
export type ReportOutcome = { file: FinishedFile } | { failure: ReportFailureKey };

const setup = workerData as ReportWorkerData;
let opened: Promise<DatabaseHandle> | undefined;

async function openReportDatabase(): Promise<DatabaseHandle> {
  // A report runs one query at a time.
  const handle = openDatabase({ url: setup.databaseUrl, schema: setup.schema, poolSize: 1 });
  if (handle.kind === 'sqlite') {
    // A report reads each page about once: the portal's large page cache and memory map would only swell this
    // thread's memory, which the pages serving students need more.
    await sql`pragma cache_size = -8192`.execute(handle.db);
    await sql`pragma mmap_size = 0`.execute(handle.db);
  }
  return handle;
}

export default async function report(task: ReportTask): Promise<ReportOutcome> {
  opened ??= openReportDatabase();
  const { db } = await opened;
  try {
    return { file: await runReport(db, task) };
  } catch (error) {
    if (error instanceof ReportFailure) return { failure: error.key };
    throw error;
  }
}
