/**
 * The verification worker pool. An uploaded .edoc is anyone's file: unzipping it, parsing its XML and checking
 * its signature, time-stamp and chain is CPU work of the uploader's choosing, so it happens in these threads and
 * never on the HTTP thread. Each check has a time limit after which its thread is stopped, and the queue is
 * bounded, so a flood of uploads is refused at once instead of piling up.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { VerifyTask, VerifyWorkerData } from './verify-worker.js';
import { PoolBusyError } from './pool.js';
import type { TrustAnchors, VerificationReport } from './verify.js';

/** A check that did not finish within the pool's time limit; the file is not accepted. */
export class VerificationTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the check did not finish within ${timeoutMs} ms`);
    this.name = 'VerificationTimeoutError';
  }
}

export interface VerificationPoolOptions {
  trust: TrustAnchors;
  /** VERIFY_ONLINE_REVOCATION: each check also asks the seal certificate's OCSP responder. */
  onlineRevocation?: boolean;
  /** Worker threads (default 2): a genuine certificate takes some tens of milliseconds to check. */
  workers?: number;
  /** Checks waiting for a worker before new ones are refused (default 16 per worker). */
  queue?: number;
  /**
   * How long a visitor may wait for the answer, queue included (default 10 s): a genuine certificate needs a
   * small fraction of this even on a busy machine, so only a file built to be slow meets it.
   */
  timeoutMs?: number;
  /** Seconds a refused visitor is told to wait (default 5). */
  retryAfterSeconds?: number;
  /** Another worker entry point with the same task and answer, for tests of the pool's own limits. */
  workerFile?: string;
}

// From source (tsx, vitest) the worker is TypeScript and needs tsx's loader; the built portal runs dist/*.js.
const runningFromSource = import.meta.url.endsWith('.ts');
const workerFile = fileURLToPath(new URL(`./verify-worker.${runningFromSource ? 'ts' : 'js'}`, import.meta.url));

export class VerificationPool {
  private readonly piscina: Piscina<VerifyTask, VerificationReport>;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly retryAfterSeconds: number;

  constructor(options: VerificationPoolOptions) {
    const workers = options.workers ?? 2;
    const workerData: VerifyWorkerData = { trust: options.trust, onlineRevocation: options.onlineRevocation ?? false };
    this.maxQueue = options.queue ?? workers * 16;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    this.piscina = new Piscina({
      filename: options.workerFile ?? workerFile,
      // Started with the pool and kept: a thread started on demand would make the first visitor wait for it.
      minThreads: workers,
      maxThreads: workers,
      maxQueue: this.maxQueue,
      // One check per thread: stopping a check that ran out of time stops its whole thread, and nothing else
      // may be running there.
      concurrentTasksPerWorker: 1,
      workerData,
      execArgv: runningFromSource ? ['--import', 'tsx'] : [],
      // Unpacked entries are bounded well below this (READ_LIMITS); a thread that still runs out dies alone.
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
  }

  /** Whether a new check would be refused right now. */
  get full(): boolean {
    return this.piscina.queueSize >= this.maxQueue;
  }

  /**
   * Checks one uploaded file. Rejects with PoolBusyError when the queue is full and with VerificationTimeoutError
   * when the check takes longer than the limit.
   */
  readonly verify = async (bytes: Uint8Array): Promise<VerificationReport> => {
    if (this.full) throw new PoolBusyError(this.retryAfterSeconds);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.piscina.run({ bytes }, { signal });
    } catch (error) {
      if (signal.aborted) throw new VerificationTimeoutError(this.timeoutMs);
      throw error;
    }
  };

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
