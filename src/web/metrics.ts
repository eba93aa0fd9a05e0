/**
 * Metrics for the people on duty: a Prometheus registry (prom-client) scraped at `/metrics` with a bearer token,
 * and the same figures over the last minute for the agency's results-day page (routes/agency-results-day.ts).
 *
 * Labels are bounded sets only: the matched route pattern (`/certificates/:number/edoc`, never the path a visitor
 * typed, so no personal code or token can reach a label), the method, the status class, the sign-in provider and
 * outcome. Queue lengths, the waiting line and the database pool are read when scraped, not kept up to date on the
 * hot path.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResultsPageCache } from './results-cache.js';
import type { Database } from '../../db/schema.js';
import { queuedJobs } from '../data/work-queues.js';
import type { AppEnv, SignInCounter } from './context.js';
import { eventLoopLagMs, type OverloadGuard, type RefusalReason } from './overload.js';
import type { WaitingRoom } from './waiting-room.js';
import { isCompletePage } from './response-headers.js';
import type { ResultsDayFigures } from '../../views/results-day.js';

/** PostgreSQL's pg.Pool counts (SQLite has no pool). */
export interface DatabasePoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

export interface MetricsSources {
  db: Kysely<Database>;
  /** Sealing jobs waiting for a worker of this instance. */
  sealingQueue?: () => number;
  /** Report tasks waiting for a worker of this instance. */
  reportQueue?: () => number;
  databasePool?: DatabasePoolCounts;
  /** The kept results pages of this instance (./results-cache.ts). */
  resultsPages?: ResultsPageCache;
  /** Also Node's own process metrics (CPU, memory, garbage collection, event-loop delay percentiles). */
  processMetrics?: boolean;
  clock?: () => number;
}

// ---- the last minute, second by second ----

/** Latency bins: bin i holds durations up to 2^(i/2) ms (1 ms … ~23 s), the last one everything longer. */
const BINS = 30;
function binOf(ms: number): number {
  return ms <= 1 ? 0 : Math.min(BINS - 1, Math.ceil(2 * Math.log2(ms)));
}
export function binUpperMs(bin: number): number {
  return Math.round(2 ** (bin / 2));
}

interface Second {
  second: number;
  requests: number;
  pages: number;
  errors: number;
  signIns: number;
  signInFailures: number;
  refused: number;
  latency: Uint32Array;
}

/** Sixty one-second slots, reused round the clock: O(1) per request, no growing memory. */
export class RecentActivity {
  private readonly slots: Second[] = Array.from({ length: 60 }, () => ({
    second: -1,
    requests: 0,
    pages: 0,
    errors: 0,
    signIns: 0,
    signInFailures: 0,
    refused: 0,
    latency: new Uint32Array(BINS),
  }));

  constructor(private readonly clock: () => number = Date.now) {}

  private slot(): Second {
    const second = Math.floor(this.clock() / 1000);
    const slot = this.slots[second % 60]!;
    if (slot.second !== second) {
      slot.second = second;
      slot.requests = slot.pages = slot.errors = slot.signIns = slot.signInFailures = slot.refused = 0;
      slot.latency.fill(0);
    }
    return slot;
  }

  request(ms: number, page: boolean, error: boolean): void {
    const slot = this.slot();
    slot.requests++;
    if (page) slot.pages++;
    if (error) slot.errors++;
    slot.latency[binOf(ms)]!++;
  }

  signIn(succeeded: boolean): void {
    if (succeeded) this.slot().signIns++;
    else this.slot().signInFailures++;
  }

  refused(): void {
    this.slot().refused++;
  }

  /** Sums over the last `seconds` whole seconds before the current one (which is still filling). */
  sum(seconds: number): Omit<Second, 'second'> {
    const now = Math.floor(this.clock() / 1000);
    const total = { requests: 0, pages: 0, errors: 0, signIns: 0, signInFailures: 0, refused: 0, latency: new Uint32Array(BINS) };
    for (const slot of this.slots) {
      if (slot.second < now - seconds || slot.second >= now) continue;
      total.requests += slot.requests;
      total.pages += slot.pages;
      total.errors += slot.errors;
      total.signIns += slot.signIns;
      total.signInFailures += slot.signInFailures;
      total.refused += slot.refused;
      for (let i = 0; i < BINS; i++) total.latency[i]! += slot.latency[i]!;
    }
    return total;
  }

  /** The upper bound of the bin holding the 99th percentile of the last minute. */
  p99Ms(): number | undefined {
    const { requests, latency } = this.sum(60);
    if (requests === 0) return undefined;
    const rank = Math.ceil(requests * 0.99);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += latency[i]!;
      if (seen >= rank) return binUpperMs(i);
    }
    return binUpperMs(BINS - 1);
  }
}

/** Paths that are not pages people wait for: left out of the last-minute figures (still in the histograms). */
function isPlumbing(path: string): boolean {
  return path.startsWith('/static/') || path === '/healthz' || path === '/metrics';
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class PortalMetrics {
  readonly registry = new Registry();
  readonly recent: RecentActivity;
  private guard: OverloadGuard | undefined;
  private room: WaitingRoom | undefined;
  private maxLagMs: number | undefined;
  private readonly requestDuration: Histogram<'method' | 'route' | 'status'>;
  /** Each series of the histogram by its labels, found once: prom-client hashes the labels on every observe otherwise. */
  private readonly durationSeries = new Map<string, ReturnType<Histogram<'method' | 'route' | 'status'>['labels']>>();
  private readonly signIns: Counter<'provider' | 'outcome'>;
  private readonly refusals: Counter<'reason'>;

  constructor(private readonly sources: MetricsSources) {
    this.recent = new RecentActivity(sources.clock);
    const registers = [this.registry];
    if (sources.processMetrics) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
    this.requestDuration = new Histogram({
      name: 'portal_http_request_duration_seconds',
      help: 'Time to answer a request, by method, matched route pattern and status class; its _count is the number of requests.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.signIns = new Counter({
      name: 'portal_sign_ins_total',
      help: 'Sign-ins finished, by provider and outcome (signed-in, or why not).',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.refusals = new Counter({
      name: 'portal_overload_refusals_total',
      help: 'New requests not served at once: over the in-flight bound, lasting event-loop delay under load, or people already in line.',
      labelNames: ['reason'],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'portal_waiting_room_length',
      help: 'Tickets issued and not yet admitted, shared by all instances (as this instance last read it).',
      registers,
      collect() {
        this.set(self.room?.waiting ?? 0);
      },
    });
    new Gauge({
      name: 'portal_waiting_room_admitted_up_to',
      help: 'The last ticket number let in.',
      registers,
      collect() {
        this.set(self.room?.admittedUpTo ?? 0);
      },
    });
    new Gauge({
      name: 'portal_requests_in_flight',
      help: 'Requests being handled by this instance (those the overload guard counts).',
      registers,
      collect() {
        this.set(self.guard?.inFlight ?? 0);
      },
    });
    new Gauge({
      name: 'portal_event_loop_delay_seconds',
      help: 'Largest event-loop delay over the last 0.5-1 s, as the overload guard sees it.',
      registers,
      collect() {
        this.set(eventLoopLagMs() / 1000);
      },
    });
    new Gauge({
      name: 'portal_queue_length',
      help: 'Work waiting: sealing and report tasks for this instance’s workers, report and issuance jobs queued in the database.',
      labelNames: ['queue'],
      registers,
      async collect() {
        const jobs = await queuedJobs(sources.db);
        this.set({ queue: 'sealing' }, sources.sealingQueue?.() ?? 0);
        this.set({ queue: 'report-workers' }, sources.reportQueue?.() ?? 0);
        this.set({ queue: 'report-jobs' }, jobs.reports);
        this.set({ queue: 'issuance-jobs' }, jobs.issuance);
      },
    });
    const pages = sources.resultsPages;
    if (pages) {
      new Gauge({
        name: 'portal_results_pages_kept',
        help: 'Results pages this instance keeps (rendered ahead or on a visit), and their compressed bytes.',
        labelNames: ['measure'],
        registers,
        collect() {
          this.set({ measure: 'pages' }, pages.size);
          this.set({ measure: 'bytes' }, pages.bytesKept);
        },
      });
      const counted = { hits: 0, misses: 0 };
      new Counter({
        name: 'portal_results_page_answers_total',
        help: 'Results pages answered from a kept page, or rendered for the visit (the lobby included).',
        labelNames: ['from'],
        registers,
        collect() {
          this.inc({ from: 'kept' }, pages.hits - counted.hits);
          this.inc({ from: 'rendered' }, pages.misses - counted.misses);
          counted.hits = pages.hits;
          counted.misses = pages.misses;
        },
      });
    }
    const pool = sources.databasePool;
    if (pool) {
      new Gauge({
        name: 'portal_db_pool_connections',
        help: 'PostgreSQL connections of this instance: total open, idle, and queries waiting for one.',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'total' }, pool.totalCount);
          this.set({ state: 'idle' }, pool.idleCount);
          this.set({ state: 'waiting' }, pool.waitingCount);
        },
      });
    }
  }

  /** The overload guard and waiting room whose figures are reported. */
  watch(guard: OverloadGuard | undefined, room: WaitingRoom | undefined, maxLagMs: number | undefined): void {
    this.guard = guard;
    this.room = room;
    this.maxLagMs = maxLagMs;
  }

  /** Times every request (first middleware, so refusals are timed too). */
  middleware(): MiddlewareHandler<AppEnv> {
    const signIn: SignInCounter = (provider, outcome) => this.countSignIn(provider, outcome);
    return async (c, next) => {
      c.set('signIns', signIn);
      const started = performance.now();
      try {
        await next();
      } finally {
        this.observe(c, (performance.now() - started) / 1000);
      }
    };
  }

  private observe(c: Context<AppEnv>, seconds: number): void {
    const status = c.res.status;
    const refused = c.get('refused') === true;
    const route = refused ? 'refused' : c.req.routeIndex >= 0 ? routePath(c) : 'unmatched';
    const key = `${c.req.method} ${route} ${Math.floor(status / 100)}`;
    let series = this.durationSeries.get(key);
    if (!series) {
      series = this.requestDuration.labels({ method: c.req.method, route, status: `${Math.floor(status / 100)}xx` });
      this.durationSeries.set(key, series);
    }
    series.observe(seconds);
    if (isPlumbing(c.req.path)) return;
    const page = !refused && (isCompletePage(c.res) || (c.res.headers.get('content-type')?.startsWith('text/html') ?? false));
    this.recent.request(seconds * 1000, page, status >= 500 && !refused);
  }

  countSignIn(provider: string, outcome: string): void {
    this.signIns.inc({ provider, outcome });
    this.recent.signIn(outcome === 'signed-in');
  }

  countRefusal(reason: RefusalReason | 'line'): void {
    this.refusals.inc({ reason });
    this.recent.refused();
  }

  async figures(at: Date): Promise<ResultsDayFigures> {
    const minute = this.recent.sum(60);
    const tenSeconds = this.recent.sum(10);
    const jobs = await queuedJobs(this.sources.db);
    return {
      at,
      signInsPerMinute: minute.signIns,
      signInFailuresPerMinute: minute.signInFailures,
      pagesPerSecond: Math.round(tenSeconds.pages) / 10,
      p99Ms: this.recent.p99Ms(),
      errorsPerMinute: minute.errors,
      refusedPerMinute: minute.refused,
      waiting: this.room?.waiting ?? 0,
      inFlight: this.guard?.inFlight ?? 0,
      eventLoopDelayMs: Math.round(eventLoopLagMs()),
      maxLagMs: this.maxLagMs,
      queues: { sealing: this.sources.sealingQueue?.() ?? 0, reports: jobs.reports, issuance: jobs.issuance },
    };
  }

  /**
   * `GET /metrics` for a scraper holding the token (`Authorization: Bearer …`). Without METRICS_TOKEN, or with a
   * wrong or missing token, the answer is the same 404 as for any page that does not exist.
   */
  endpoint(token: string | undefined): MiddlewareHandler<AppEnv> {
    const expected = token ? sha256(token) : undefined;
    return async (c, next) => {
      const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('Authorization') ?? '')?.[1];
      // Compared as digests, in constant time: the token's length and content leak nothing.
      if (!expected || !given || !timingSafeEqual(sha256(given), expected)) return next();
      const text = await this.registry.metrics();
      return c.body(text, 200, { 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' });
    };
  }
}
