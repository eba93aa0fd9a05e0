/**
 * One OCSP response for many documents, within the rule validators apply to a B-LT signature: the response
 * embedded with a document must have been produced at or after the document's signature time-stamp (DigiDoc
 * refuses the signature otherwise) and at most 15 minutes after it (DigiDoc warns beyond that).
 *
 * The rule, per certificate and per sealing worker: a document takes the latest response when it was produced
 * at or after the document's time-stamp and no more than 15 minutes after it. Otherwise the document waits for
 * the next response the worker fetches, which is requested after the document began waiting and so after its
 * time-stamp; the worker fetches one response at a time, and every document waiting shares it. A fresh response
 * still dated before the time-stamp (a responder whose clock is behind, or that dates in whole seconds) earns one
 * more try after the time-stamp's next whole second; then the document fails, to be sealed again later.
 */
import type { CheckedOcspResponse } from './ocsp-response.js';
import { OcspError } from './ocsp-error.js';

/** The longest time from a document's time-stamp to the production of the OCSP response it carries. */
export const MAX_OCSP_DELAY_MS = 15 * 60 * 1000;
/** The longest wait for a responder that dates its responses a little behind the time-stamp. */
const MAX_CATCH_UP_MS = 2000;

export interface BatchedOcspOptions {
  /** Fetches and checks a fresh response. */
  fetch: () => Promise<CheckedOcspResponse>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class BatchedOcsp {
  private latest: CheckedOcspResponse | undefined;
  /** The fetch under way, if any. */
  private inFlight: Promise<CheckedOcspResponse> | undefined;
  /** The fetch that begins when the one under way ends: documents that come now wait for it. */
  private queued: Promise<CheckedOcspResponse> | undefined;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** How many responses were fetched, for tests and benchmarks. */
  fetches = 0;

  constructor(private readonly options: BatchedOcspOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** A checked response (status good) that may be embedded with a document time-stamped at `genTime`. */
  async after(genTime: Date): Promise<CheckedOcspResponse> {
    if (this.fits(this.latest, genTime)) return this.latest!;
    // The fetch under way may yet have been produced after this time-stamp: see what it brings first.
    if (this.inFlight) {
      await this.inFlight.catch(() => undefined);
      if (this.fits(this.latest, genTime)) return this.latest!;
    }
    let fresh = await this.next();
    if (this.fits(fresh, genTime)) return fresh;
    if (fresh.producedAt.getTime() < genTime.getTime()) {
      const nextSecond = Math.floor(genTime.getTime() / 1000) * 1000 + 1000;
      await this.sleep(Math.min(MAX_CATCH_UP_MS, Math.max(0, nextSecond - this.now())));
      fresh = await this.next();
      if (this.fits(fresh, genTime)) return fresh;
    }
    throw new OcspError(
      'not-fresh',
      `the OCSP response was produced at ${fresh.producedAt.toISOString()}, not within 15 minutes after the time-stamp of ${genTime.toISOString()}`,
    );
  }

  private fits(response: CheckedOcspResponse | undefined, genTime: Date): boolean {
    if (!response) return false;
    const delay = response.producedAt.getTime() - genTime.getTime();
    const expired = response.nextUpdate !== undefined && response.nextUpdate.getTime() <= this.now();
    return delay >= 0 && delay <= MAX_OCSP_DELAY_MS && !expired;
  }

  /** The next fetch to begin: the queued one, or a new one after the fetch under way. */
  private next(): Promise<CheckedOcspResponse> {
    if (this.queued) return this.queued;
    const previous = this.inFlight?.catch(() => undefined) ?? Promise.resolve();
    const queued: Promise<CheckedOcspResponse> = previous.then(() => {
      // Begun: documents that come from now on need a response fetched after them.
      this.queued = undefined;
      this.inFlight = queued;
      this.fetches++;
      return this.options.fetch();
    });
    this.queued = queued;
    queued.then(
      (response) => {
        this.latest = response;
        if (this.inFlight === queued) this.inFlight = undefined;
      },
      () => {
        if (this.inFlight === queued) this.inFlight = undefined;
      },
    );
    return queued;
  }
}
