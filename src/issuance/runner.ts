/**
 * Takes queued issuance jobs from the database and works them, one at a time on this instance: issue the
 * session's certificates, then seal every one that has no document yet. Any number of instances may run one; a
 * job is claimed by one only. The lease is renewed while the job runs; a lost lease or a stop abandons the work
 * here (what is stored stays stored), a clean stop puts the job back in the queue, and a crash leaves a lease that
 * lapses, after which another runner (or this one, restarted) resumes it. Resuming repeats nothing: issuing and
 * sealing both skip what is done (src/data/certificates.ts, src/data/sealing.ts).
 *
 * Sealing shares the instance's pool with the pages (a download that finds no document seals it on the spot):
 * this runner keeps at most one document per worker in the pool at a time, so a page's request waits behind at
 * most that, never behind a whole session.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, IssuanceJob } from '../../db/schema.js';
import { issueCertificates } from '../data/certificates.js';
import {
  claimNextIssuance,
  finishIssuance,
  recordIssuanceProgress,
  releaseIssuanceJobs,
  renewIssuanceLease,
  type IssuanceQueueSettings,
} from '../data/issuance-jobs.js';
import { sealPendingCertificates, type Sealer } from '../data/sealing.js';
import { KeyedError } from '../errors.js';
import type { Logger } from '../log.js';

export interface IssuanceRunnerOptions {
  db: Kysely<Database>;
  seal: Sealer;
  /** Documents in the sealing pool at once from this runner (the pool's worker count). */
  sealConcurrency: number;
  settings: IssuanceQueueSettings;
  log: Logger;
  /** How often the queue is looked at when nobody calls notify() (default 2 s). */
  pollMs?: number;
  /** Certificates sealed and stored per batch: the steps in which progress shows. */
  batchSize?: number;
}

export class IssuanceRunner {
  readonly runnerId = `issuance-${randomUUID()}`;
  private current: { abort: AbortController; done: Promise<void> } | undefined;
  private wake: (() => void) | undefined;
  private stopped = true;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: IssuanceRunnerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** A job was queued: look at the queue now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Stops taking jobs, abandons the running one and puts it back in the queue. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    this.current?.abort.abort();
    await this.current?.done.catch(() => {});
    await this.loop;
    await releaseIssuanceJobs(this.options.db, this.runnerId).catch((error: unknown) =>
      this.options.log.warn('issuance jobs could not be released', { error }),
    );
  }

  private async run(): Promise<void> {
    const { db, settings, log } = this.options;
    while (!this.stopped) {
      try {
        const job = await claimNextIssuance(db, this.runnerId, settings);
        if (job) {
          const abort = new AbortController();
          const done = this.execute(job, abort);
          this.current = { abort, done };
          await done;
          this.current = undefined;
          continue;
        }
      } catch (error) {
        log.warn('issuance queue could not be read', { error });
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

  private async execute(job: IssuanceJob, abort: AbortController): Promise<void> {
    const { db, settings, log } = this.options;
    const renewal = setInterval(
      () => {
        renewIssuanceLease(db, job.id, this.runnerId, settings)
          .then((held) => {
            if (!held) {
              log.warn('issuance lease lost; abandoning the job here', { job: job.id });
              abort.abort();
            }
          })
          .catch((error: unknown) => log.warn('issuance lease could not be renewed', { job: job.id, error }));
      },
      Math.max(1000, Math.floor(settings.leaseMs / 3)),
    );
    const started = performance.now();
    try {
      log.info('issuance started', { job: job.id, session: job.session_id, attempt: job.attempts });
      const issued = await issueCertificates(db, job.session_id, { actor: job.actor, channel: 'agency' });
      await recordIssuanceProgress(db, job.id, this.runnerId, { issued: issued.issued });
      if (abort.signal.aborted) return;
      let sealedSoFar = 0;
      const sealing = await sealPendingCertificates(db, this.options.seal, {
        sessionId: job.session_id,
        actor: job.actor,
        channel: 'agency',
        concurrency: this.options.sealConcurrency,
        batchSize: this.options.batchSize ?? 64,
        signal: abort.signal,
        onProgress: (done) => {
          if (done === sealedSoFar) return;
          sealedSoFar = done;
          void recordIssuanceProgress(db, job.id, this.runnerId, { sealed: done }).catch(() => {});
        },
      });
      if (abort.signal.aborted) return;
      const recorded = await finishIssuance(db, job.id, this.runnerId, { status: 'done', failures: sealing.failed });
      log.info('issuance finished', {
        job: job.id,
        session: job.session_id,
        issued: issued.issued,
        sealed: sealing.sealed,
        failed: sealing.failed.length,
        ms: Math.round(performance.now() - started),
        recorded,
      });
    } catch (error) {
      if (abort.signal.aborted) return;
      const failure = error instanceof KeyedError ? error.key : 'internal';
      log.error('issuance failed', { job: job.id, session: job.session_id, failure, error });
      await finishIssuance(db, job.id, this.runnerId, { status: 'failed', failure }).catch((e: unknown) =>
        log.error('issuance failure could not be recorded', { job: job.id, error: e }),
      );
    } finally {
      clearInterval(renewal);
    }
  }
}
