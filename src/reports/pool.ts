/**
 * Where report jobs run. In the portal: worker threads (`ReportPool`), each with its own database connection and a
 * memory limit, so a report never slows the pages' event loop and a runaway one dies alone. In tests: this thread
 * (`InlineReportExecutor`), on the test's own database.
 */
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import { Piscina } from 'piscina';
import type { Database } from '../../db/schema.js';
import type { ReportOutcome, ReportWorkerData } from './report-worker.js';
import type { FinishedFile } from '../data/report-jobs.js';
import { ReportFailure, type ReportTask } from './task.js';

export { ReportFailure, type ReportTask } from './task.js';

export interface ReportExecutor {
  /** Runs the job to its finished file; rejects with ReportFailure for a known reason, or with the fault. */
  run(task: ReportTask, signal?: AbortSignal): Promise<FinishedFile>;
  close(): Promise<void>;
}

export interface ReportPoolOptions {
  /** `postgres://…` or a SQLite file path: the workers open their own connections. */
  databaseUrl: string;
  /** PostgreSQL schema, as given to openDatabase. */
  schema?: string;
  workers: number;
  /** Heap limit of one worker (default 512 MB). */
  maxOldGenerationSizeMb?: number;
  /** How much lower the workers' CPU priority is than the pages' (default 19, the lowest; Unix nice, via piscina). */
  niceIncrement?: number;
}

// From source (tsx, vitest) the worker is TypeScript and needs tsx's loader; the built portal runs dist/*.js.
const runningFromSource = import.meta.url.endsWith('.ts');
const workerFile = fileURLToPath(new URL(`./report-worker.${runningFromSource ? 'ts' : 'js'}`, import.meta.url));

export class ReportPool implements ReportExecutor {
  private readonly piscina: Piscina<ReportTask, ReportOutcome>;

  /** Report tasks waiting for a worker (the metrics). */
  get queueSize(): number {
    return this.piscina.queueSize;
  }

  constructor(options: ReportPoolOptions) {
    const workerData: ReportWorkerData = { databaseUrl: options.databaseUrl, schema: options.schema };
    this.piscina = new Piscina({
      filename: workerFile,
      // Started with the pool and kept (min = max): starting a worker while students load their results would
      // cost the pages a stall, and an idle one costs only its memory.
      minThreads: options.workers,
      maxThreads: options.workers,
      // The runner never asks for more jobs at once than there are workers; the queue is only a safety net.
      maxQueue: options.workers * 4,
      concurrentTasksPerWorker: 1,
      workerData,
      execArgv: runningFromSource ? ['--import', 'tsx'] : [],
      resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb ?? 512 },
      // Reports can wait; students loading their results cannot. (Needs piscina's optional @napi-rs/nice, which
      // npm installs with it on Linux, macOS and Windows; without it the workers simply run at normal priority.)
      niceIncrement: options.niceIncrement ?? 19,
    });
  }

  async run(task: ReportTask, signal?: AbortSignal): Promise<FinishedFile> {
    const outcome = await this.piscina.run(task, { signal: signal ?? null });
    if ('failure' in outcome) throw new ReportFailure(outcome.failure);
    return outcome.file;
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}

export class InlineReportExecutor implements ReportExecutor {
  constructor(private readonly db: Kysely<Database>) {}

  async run(task: ReportTask, signal?: AbortSignal): Promise<FinishedFile> {
    // Loaded when first used: a thread that only hands jobs to the pool never needs the report writers.
    const { runReport } = await import('./run.js');
    return runReport(this.db, task, { signal });
  }

  async close(): Promise<void> {}
}
