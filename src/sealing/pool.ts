/**
 * The sealing worker pool. The HTTP thread never seals: it hands facts to this pool and gets sealed bytes
 * back. The queue is bounded, so a flood of requests is refused at once instead of piling up.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { CertificateFacts } from '../certificate/facts.js';
import type { PreservationPolicy } from '../domain/preservation.js';
import type { PreservationOutcome } from './preservation.js';
import type { PreserveTask, SealTask, SealWorkerData } from './seal-worker.js';
import type { SealedDocument } from './seal.js';
import type { LongTermSettings } from './setup.js';
import type { SignerSpec } from './signer-spec.js';

export class PoolBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the sealing queue is full');
    this.name = 'PoolBusyError';
  }
}

export interface PoolOptions {
  signer: SignerSpec;
  tsaUrl?: string;
  /** With `tsaUrl`: documents are B-LT, the validation data gathered as these settings say. */
  longTerm?: LongTermSettings;
  /** PUBLIC_URL: documents then carry a verification code, address and QR code (main.ts and the CLI pass it). */
  publicUrl?: string;
  workers: number;
  queue: number;
  /**
   * Tasks in progress at once in one worker: time-stamp and OCSP requests wait on the network, not the CPU, and
   * documents waiting for an OCSP response together share one (ocsp-batching.ts).
   */
  tasksPerWorker?: number;
}

// From source (tsx, vitest) the worker is TypeScript and needs tsx's loader; the built portal runs dist/*.js.
const runningFromSource = import.meta.url.endsWith('.ts');
const workerFile = fileURLToPath(new URL(`./seal-worker.${runningFromSource ? 'ts' : 'js'}`, import.meta.url));

export class SealingPool {
  readonly piscina: Piscina<SealTask | PreserveTask, SealedDocument | PreservationOutcome>;
  private readonly maxQueue: number;

  constructor(options: PoolOptions) {
    const workerData: SealWorkerData = {
      signer: options.signer,
      tsaUrl: options.tsaUrl,
      longTerm: options.tsaUrl ? options.longTerm : undefined,
      publicUrl: options.publicUrl,
    };
    this.maxQueue = options.queue;
    this.piscina = new Piscina({
      filename: workerFile,
      minThreads: options.workers,
      maxThreads: options.workers,
      maxQueue: options.queue,
      concurrentTasksPerWorker: options.tasksPerWorker ?? 8,
      idleTimeout: 60_000,
      workerData,
      execArgv: runningFromSource ? ['--import', 'tsx'] : [],
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
  }

  get workers(): number {
    return this.piscina.maxThreads;
  }

  /** Whether a new task would be refused right now. */
  get full(): boolean {
    return this.piscina.queueSize >= this.maxQueue;
  }

  async seal(facts: CertificateFacts, options: { now?: Date; signal?: AbortSignal } = {}): Promise<SealedDocument> {
    if (this.full) throw new PoolBusyError(2);
    return (await this.piscina.run({ facts, now: options.now?.toISOString() }, { signal: options.signal ?? null })) as SealedDocument;
  }

  /**
   * One stored document's preservation step, judged at `at` (preservation.ts), in a worker: the job hands its
   * documents over one at a time, so sealing keeps its place in the queue.
   */
  async preserve(edoc: Uint8Array, at: Date, policy: PreservationPolicy): Promise<PreservationOutcome> {
    if (this.full) throw new PoolBusyError(2);
    return (await this.piscina.run(
      { edoc, at: at.toISOString(), policy: { windowDays: policy.windowDays, retiredDigests: [...policy.retiredDigests] } },
      { name: 'preserve' },
    )) as PreservationOutcome;
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
