/**
 * Takes queued reports from the database and runs them in the report executor (the worker pool), as many at a
 * time as this instance has report workers. Any number of instances may run one each: a job is claimed by one
 * of them only (see claimNextReport). While a job runs its lease is renewed; if the lease is lost (this
 * instance stalled and another took the job) the work here is abandoned. A clean stop puts running jobs back in
 * the queue; a crash leaves leases that lapse, after which another runner (or this one, restarted) takes them.
 * Files past their retention are removed by housekeeping (src/housekeeping.ts), on every instance.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ReportJob } from '../../db/schema.js';
import { claimNextReport, completeReport, failReport, releaseRunnerJobs, renewLease, type ReportQueueSettings } from '../data/report-jobs.js';
import type { ReportParameters } from '../domain/report-parameters.js';
import type { Logger } from '../log.js';
import { ReportFailure, type ReportExecutor } from './pool.js';

export interface ReportRunnerOptions {
  db: Kysely<Database>;
  executor: ReportExecutor;
  settings: ReportQueueSettings;
  /** Jobs run at once by this instance. */
  concurrency: number;
  log: Logger;
  /** How often the queue is looked at when nobody calls notify() (default 2 s). */
  pollMs?: number;
}

export class ReportRunner {
  readonly runnerId = `runner-${randomUUID()}`;
  private readonly running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  private wake: (() => void) | undefined;
  private stopped = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ReportRunnerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.options.log.info('report runner started', { runner: this.runnerId, concurrency: this.options.concurrency });
    this.loop = this.run();
  }

  /** A job was queued on this instance: look at the queue now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Stops taking jobs, abandons the running ones and puts them back in the queue for another runner. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    for (const job of this.running.values()) job.abort.abort();
    await Promise.allSettled([...this.running.values()].map((job) => job.done));
    await this.loop;
    await releaseRunnerJobs(this.options.db, this.runnerId).catch((error: unknown) => this.options.log.warn('report jobs could not be released', { error }));
  }

  /** Jobs this runner is working on now. */
  get active(): number {
    return this.running.size;
  }

  private async run(): Promise<void> {
    const { db, settings, log } = this.options;
    while (!this.stopped) {
      try {
        while (!this.stopped && this.running.size < this.options.concurrency) {
          const job = await claimNextReport(db, this.runnerId, settings);
          if (!job) break;
          this.launch(job);
        }
      } catch (error) {
        log.warn('report queue could not be read', { error });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs ?? 2000);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private launch(job: ReportJob): void {
    const abort = new AbortController();
    const done = this.execute(job, abort).finally(() => {
      this.running.delete(job.id);
      // A slot is free: take the next job without waiting for the poll.
      this.wake?.();
    });
    this.running.set(job.id, { abort, done });
  }

  private async execute(job: ReportJob, abort: AbortController): Promise<void> {
    const { db, settings, log, executor } = this.options;
    const renewal = setInterval(
      () => {
        renewLease(db, job.id, this.runnerId, settings)
          .then((held) => {
            if (!held) {
              log.warn('report lease lost; abandoning the job here', { job: job.id });
              abort.abort();
            }
          })
          .catch((error: unknown) => log.warn('report lease could not be renewed', { job: job.id, error }));
      },
      Math.max(1000, Math.floor(settings.leaseMs / 3)),
    );
    const started = performance.now();
    try {
      const parameters = JSON.parse(job.parameters) as ReportParameters;
      // An executor that does not heed the signal must not hold up a stop or a lost lease.
      const abandoned = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(new Error('abandoned')), { once: true }));
      abandoned.catch(() => {}); // may reject after the race is decided; that is not an error
      const file = await Promise.race([
        executor.run(
          { jobId: job.id, runnerId: this.runnerId, type: job.type, format: job.format, institutionId: job.institution_id, parameters },
          abort.signal,
        ),
        abandoned,
      ]);
      if (abort.signal.aborted) return;
      const recorded = await completeReport(db, job.id, this.runnerId, file, settings);
      log.info('report finished', {
        job: job.id,
        type: job.type,
        rows: file.rows,
        bytes: file.fileSize,
        ms: Math.round(performance.now() - started),
        recorded,
      });
    } catch (error) {
      // Stopping or a lost lease: the job is someone else's now (or goes back to the queue on stop).
      if (abort.signal.aborted) return;
      // The lease lapsed and the writer noticed first (the error's class does not survive a worker thread).
      if (error instanceof Error && /is no longer this runner's/.test(error.message)) {
        log.warn('report lease lost; abandoning the job here', { job: job.id });
        return;
      }
      const failure = error instanceof ReportFailure ? error.key : 'internal';
      if (failure === 'internal') log.error('report failed', { job: job.id, type: job.type, error });
      else log.info('report refused', { job: job.id, type: job.type, failure });
      await failReport(db, job.id, this.runnerId, failure).catch((e: unknown) => log.error('report failure could not be recorded', { job: job.id, error: e }));
    } finally {
      clearInterval(renewal);
    }
  }
}
