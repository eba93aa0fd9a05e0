/**
 * Runs one report job: counts its rows, writes the file in the job's format straight into the database (chunk by
 * chunk, starting clean so that a retried job leaves exactly one file) and records progress as it goes.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { clearReportFile, recordProgress, type FinishedFile } from '../data/report-jobs.js';
import { ReportFileSink } from './chunk-sink.js';
import { writeCsv } from './csv.js';
import { reportTable, type CellValue, type ReportTable } from './tables.js';
import { ReportFailure, type ReportTask } from './task.js';
import { translator } from '../i18n.js';
import { writeXlsx, XLSX_HEADER_ROWS } from './xlsx.js';

/** The most rows one XLSX sheet holds, the title and header rows not counted. */
export const XLSX_MAX_ROWS = 1_048_576 - XLSX_HEADER_ROWS;

export interface RunOptions {
  signal?: AbortSignal;
  /** Rows read from the database at a time. */
  batchSize?: number;
  /** Least time between two progress records (default 500 ms: at most about twice a second). */
  progressEveryMs?: number;
}

/** "izglitibas-iestades-parbaudijuma-rezultati-12.xlsx": the report's name in ASCII, the job and the format. */
export function reportFileName(task: Pick<ReportTask, 'jobId' | 'type' | 'format' | 'parameters'>): string {
  const name = translator(task.parameters.lang)(`reportFile.name.${task.type}`);
  const ascii = name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${ascii}-${task.jobId}.${task.format}`;
}

export async function runReport(db: Kysely<Database>, task: ReportTask, options: RunOptions = {}): Promise<FinishedFile> {
  if (task.parameters.request.type !== task.type) {
    throw new Error(`job ${task.jobId} is a ${task.type} report with ${task.parameters.request.type} parameters`);
  }
  const table = await reportTable(db, task.institutionId, task.parameters, options.batchSize);
  if (task.format === 'xlsx' && table.total > XLSX_MAX_ROWS) throw new ReportFailure('too-many-rows');
  await recordProgress(db, task.jobId, task.runnerId, 0, table.total);
  await clearReportFile(db, task.jobId, task.runnerId);

  const sink = new ReportFileSink(db, task.jobId, task.runnerId);
  const tracked: ReportTable = { ...table, batches: withProgress(table, db, task, options.progressEveryMs ?? 500) };
  try {
    const rows = task.format === 'xlsx' ? await writeXlsx(tracked, sink, options.signal) : await writeCsv(tracked, sink, options.signal);
    return { fileName: reportFileName(task), fileSize: sink.bytes, rows };
  } catch (error) {
    sink.destroy();
    throw error;
  }
}

async function* withProgress(table: ReportTable, db: Kysely<Database>, task: ReportTask, everyMs: number): AsyncGenerator<CellValue[][]> {
  let done = 0;
  let recordedAt = performance.now();
  for await (const batch of table.batches) {
    yield batch;
    done += batch.length;
    if (performance.now() - recordedAt >= everyMs) {
      recordedAt = performance.now();
      // Rows added since the count would otherwise show more than 100 %.
      await recordProgress(db, task.jobId, task.runnerId, done, Math.max(table.total, done));
    }
  }
}
