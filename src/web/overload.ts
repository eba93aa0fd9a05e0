/**
 * Results-day protection. When the event loop lags (delay over the last ~1 s above a bound) or too many requests
 * are in flight, a NEW request is answered at once with a small 503 page in Latvian and English (views/overload.ts)
 * with a "try again" link and a `Retry-After` spread at random, instead of queueing behind the others until
 * everything times out. The page does not refresh itself: a timed refresh takes control away from the visitor
 * (WCAG 2.2.1), and a whole crowd refreshing on the same beat is the surge that caused the refusal. Requests already admitted always finish. `/healthz` and
 * `/static/` are never refused.
 *
 * The hot path reads two numbers and a counter: the page is rendered once, the event-loop histogram is sampled by
 * Node itself every 10 ms, and a timer rotates its window twice a second.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { MiddlewareHandler } from 'hono';
import { overloadPage } from '../../views/overload.js';
import type { ServiceContact } from '../config.js';
import type { Logger } from '../log.js';

export interface OverloadOptions {
  /** Event-loop delay (ms) above which new requests are refused (OVERLOAD_MAX_LAG_MS, default 200). */
  maxLagMs: number;
  /** Requests in progress at which new ones are refused (OVERLOAD_MAX_IN_FLIGHT, default 1000). */
  maxInFlight: number;
  log?: Logger;
  /** The agency's help route, on the refusal page. */
  contact?: ServiceContact;
}

export const RETRY_AFTER_SECONDS = 5;

/** Paths never refused: the load balancer's health check and the hashed static files. */
export function isOverloadExempt(path: string): boolean {
  return path === '/healthz' || path.startsWith('/static/');
}

// ---- event-loop delay, one monitor for the whole process (the loop is the process's) ----

const RESOLUTION_MS = 10;
const HALF_WINDOW_MS = 500;

interface LagMonitor {
  histogram: IntervalHistogram;
  /** Largest delay (ns) of the previous half window; the current one is histogram.max. */
  previousMaxNs: number;
}

let monitor: LagMonitor | undefined;

function lagMonitor(): LagMonitor {
  if (monitor) return monitor;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const started: LagMonitor = { histogram, previousMaxNs: 0 };
  setInterval(() => {
    started.previousMaxNs = histogram.max;
    histogram.reset();
  }, HALF_WINDOW_MS).unref();
  monitor = started;
  return started;
}

/**
 * The largest event-loop delay over the last 0.5–1 s, in ms. Each sample is the time between two 10-ms timer
 * ticks, so the resolution is subtracted: an idle loop reads about 0–5 ms.
 */
export function eventLoopLagMs(): number {
  const m = lagMonitor();
  return Math.max(0, Math.max(m.previousMaxNs, m.histogram.max) / 1e6 - RESOLUTION_MS);
}

// ---- the refusal page, rendered once ----

/**
 * Retry-After is spread at random over this range, so that the browsers refused in one burst do not all come
 * back in the same second.
 */
export const RETRY_AFTER_RANGE_SECONDS = { min: 10, max: 40 } as const;

export function retryAfterSeconds(random: () => number = Math.random): number {
  const { min, max } = RETRY_AFTER_RANGE_SECONDS;
  return min + Math.floor(random() * (max - min + 1));
}

const BUSY_HEADERS: [string, string][] = [
  ['Content-Type', 'text/html; charset=UTF-8'],
  ['Cache-Control', 'no-store'],
  // The page's favicon is `data:,` (img-src), so it asks this busy server for nothing more.
  ['Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'same-origin'],
];

export interface OverloadGuard {
  middleware: MiddlewareHandler;
  /** Requests admitted and not yet finished. */
  readonly inFlight: number;
  /** Requests refused since start. */
  readonly refused: number;
}

export function overloadGuard(options: OverloadOptions): OverloadGuard {
  const { maxInFlight, log } = options;
  const m = lagMonitor();
  // Compare raw histogram values (ns, resolution included) so the hot path does no arithmetic.
  const lagBoundNs = (options.maxLagMs + RESOLUTION_MS) * 1e6;
  const body = new TextEncoder().encode(overloadPage(options.contact));
  let inFlight = 0;
  let refused = 0;
  let refusedSinceLog = 0;
  let lastLog = 0;

  const refuse = (reason: 'lag' | 'in-flight'): Response => {
    refused++;
    refusedSinceLog++;
    if (log) {
      const now = Date.now();
      if (now - lastLog >= 1000) {
        log.warn('overloaded: refusing new requests', { reason, refused: refusedSinceLog, inFlight, lagMs: Math.round(eventLoopLagMs()) });
        lastLog = now;
        refusedSinceLog = 0;
      }
    }
    return new Response(body, { status: 503, headers: [...BUSY_HEADERS, ['Retry-After', String(retryAfterSeconds())]] });
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    if (isOverloadExempt(c.req.path)) return next();
    if (inFlight >= maxInFlight) return refuse('in-flight');
    if (m.histogram.max > lagBoundNs || m.previousMaxNs > lagBoundNs) return refuse('lag');
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };

  return {
    middleware,
    get inFlight() {
      return inFlight;
    },
    get refused() {
      return refused;
    },
  };
}
