/**
 * Results-day protection. When the portal is over its bounds, a NEW request is answered at once instead of
 * queueing behind the others until everything times out. With a waiting room (src/web/waiting-room.ts, what the
 * portal runs) a page request gets a numbered place in one line shared by all instances and a light page saying so;
 * without one (or for a form post, which is never put in line) a small 503 page in Latvian and English with a "try
 * again" link and a `Retry-After` spread at random. Neither page refreshes on a fixed beat: a whole crowd coming
 * back on the same beat is the surge that caused the refusal. Requests already admitted always finish.
 *
 * Over the bounds means: `OVERLOAD_MAX_IN_FLIGHT` requests in progress, or an event-loop delay over
 * `OVERLOAD_MAX_LAG_MS` that has lasted (two of the last three half-second windows) while other requests are in
 * progress (at least `LAG_NEEDS_IN_FLIGHT`). One stall, such as a sign-in's key work, shows in one window only, and a
 * lone visitor on an idle instance has at most a request or two in progress: neither is ever refused.
 *
 * Never refused: what completes a sign-in (the providers' callbacks and the demo sign-in; refusing one throws the
 * whole sign-in away), the staff pages (the people on duty), `/healthz`, `/static/`, `/metrics` and the waiting
 * room's own switch. The hot path reads a few numbers: the event-loop histogram is sampled by Node itself every
 * 10 ms, and a timer rotates its windows twice a second.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { overloadPage } from '../../views/overload.js';
import { waitingPage } from '../../views/waiting.js';
import type { ServiceContact } from '../config.js';
import type { Logger } from '../log.js';
import type { AppEnv } from './context.js';
import { manualCookieName, refreshSeconds, type Ticket, type WaitingRoom } from './waiting-room.js';
import { prepareCookie } from './response-headers.js';

export type RefusalReason = 'lag' | 'in-flight';

export interface OverloadOptions {
  /** Event-loop delay (ms) above which new requests are refused under load (OVERLOAD_MAX_LAG_MS, default 200). */
  maxLagMs: number;
  /** Requests in progress at which new ones are refused (OVERLOAD_MAX_IN_FLIGHT, default 1000). */
  maxInFlight: number;
  log?: Logger;
  /** The agency's help route, on the refusal page. */
  contact?: ServiceContact;
  /** Where page requests go beyond capacity; without it they get the 503 page. */
  waitingRoom?: WaitingRoom;
  /** Told of every refusal (the metrics). */
  onRefused?: (reason: RefusalReason | 'line') => void;
}

/**
 * A lag refusal needs this many requests in progress besides the new one: a lone visitor (a page, perhaps its
 * favicon) never reaches it. Measured with the results-day bench's load: in-flight sits at 20–200 whenever the lag is
 * over its bound, while a single browser walking the pages never shows more than 2.
 */
export const LAG_NEEDS_IN_FLIGHT = 4;

/** What completes a sign-in: the providers' callbacks (any provider, students' and staff's) and the demo sign-in. */
export function completesSignIn(method: string, path: string): boolean {
  return /^\/auth\/[a-z]+\/callback$/.test(path) || (method === 'POST' && path === '/login/demo');
}

/** Requests never refused nor put in line. */
export function isOverloadExempt(method: string, path: string): boolean {
  return (
    path === '/healthz' ||
    path === '/metrics' ||
    path.startsWith('/static/') ||
    path.startsWith('/waiting/') ||
    path === '/staff' ||
    path.startsWith('/staff/') ||
    // The staff sign-in's start: the people on duty must get in (students' sign-ins start from the line like any page).
    path === '/login/latvija' ||
    completesSignIn(method, path)
  );
}

/**
 * Over the bounds, and why: too many requests in progress, or a delay that has lasted (in `laggingWindows` of the
 * last three half-second windows) while others are in progress.
 */
export function overloadReason(inFlight: number, maxInFlight: number, laggingWindows: number): RefusalReason | undefined {
  if (inFlight >= maxInFlight) return 'in-flight';
  if (laggingWindows >= 2 && inFlight >= LAG_NEEDS_IN_FLIGHT) return 'lag';
  return undefined;
}

// ---- event-loop delay, one monitor for the whole process (the loop is the process's) ----

const RESOLUTION_MS = 10;
const HALF_WINDOW_MS = 500;

interface LagMonitor {
  histogram: IntervalHistogram;
  /** Largest delay (ns) of the previous half window, and of the one before it; the current one is histogram.max. */
  previousMaxNs: number;
  earlierMaxNs: number;
}

let monitor: LagMonitor | undefined;

function lagMonitor(): LagMonitor {
  if (monitor) return monitor;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const started: LagMonitor = { histogram, previousMaxNs: 0, earlierMaxNs: 0 };
  setInterval(() => {
    started.earlierMaxNs = started.previousMaxNs;
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
  middleware: MiddlewareHandler<AppEnv>;
  /** Requests admitted and not yet finished. */
  readonly inFlight: number;
  /** Requests refused or put in line since start. */
  readonly refused: number;
  /** Whether a new request would be refused (or put in line) now. */
  overloaded(): boolean;
}

/** The path and query the visitor asked for, to come back to from the waiting page. */
function askedFor(c: Context): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

export function overloadGuard(options: OverloadOptions): OverloadGuard {
  const { maxInFlight, log, waitingRoom: room } = options;
  const m = lagMonitor();
  // Compare raw histogram values (ns, resolution included) so the hot path does no arithmetic.
  const lagBoundNs = (options.maxLagMs + RESOLUTION_MS) * 1e6;
  const body = new TextEncoder().encode(overloadPage(options.contact));
  let inFlight = 0;
  let refused = 0;
  let refusedSinceLog = 0;
  let lastLog = 0;

  const laggingWindows = () => (m.histogram.max > lagBoundNs ? 1 : 0) + (m.previousMaxNs > lagBoundNs ? 1 : 0) + (m.earlierMaxNs > lagBoundNs ? 1 : 0);
  const reasonNow = () => overloadReason(inFlight, maxInFlight, laggingWindows());
  room?.watch(() => reasonNow() !== undefined);

  const counted = (reason: RefusalReason | 'line') => {
    refused++;
    refusedSinceLog++;
    options.onRefused?.(reason);
    if (log) {
      const now = Date.now();
      if (now - lastLog >= 1000) {
        log.warn('overloaded: new requests refused or put in line', {
          reason,
          refused: refusedSinceLog,
          inFlight,
          lagMs: Math.round(eventLoopLagMs()),
          waiting: room?.waiting,
        });
        lastLog = now;
        refusedSinceLog = 0;
      }
    }
  };

  const refuse = (c: Context<AppEnv>, reason: RefusalReason): Response => {
    counted(reason);
    c.set('refused', true);
    return new Response(body, { status: 503, headers: [...BUSY_HEADERS, ['Retry-After', String(retryAfterSeconds())]] });
  };

  const wait = (c: Context<AppEnv>, ticket: Ticket, reason: RefusalReason | 'line'): Response => {
    counted(reason);
    c.set('refused', true);
    const place = room!.place(ticket);
    const manual = getCookie(c, manualCookieName(room!.secureCookies)) === '1';
    const seconds = refreshSeconds(place);
    const page = waitingPage({ ...place, refreshSeconds: manual ? undefined : seconds, path: askedFor(c) }, options.contact);
    const headers: Record<string, string> = Object.fromEntries(BUSY_HEADERS);
    headers['Retry-After'] = String(seconds);
    // The look-again the page announces; a header, not a <meta> in the page, so a browser that stops it (the
    // visitor's "stop" link) simply gets the page without it.
    if (!manual) headers.Refresh = String(seconds);
    return c.body(page, 503, headers);
  };

  const serve = async (next: () => Promise<void>) => {
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
      room?.recordCompletion();
    }
  };

  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (isOverloadExempt(c.req.method, c.req.path)) return next();
    const reason = reasonNow();
    if (!room) {
      if (reason) return refuse(c, reason);
      return serve(next);
    }
    // With the room: a ticket already let in goes through; others go through only while nobody waits.
    const reading = room.readTicket(c);
    if (reading.kind === 'valid' && room.isAdmitted(reading.ticket)) return serve(next);
    if (!reason && room.waiting <= 0) return serve(next);
    // A form post is never put in line (the page it came from is open; its input would be lost).
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return reason ? refuse(c, reason) : serve(next);
    if (reading.kind === 'valid') return wait(c, reading.ticket, reason ?? 'line');
    // No ticket, or one that does not verify here (changed, copied from another browser, expired): the back of the line.
    let ticket: Ticket;
    try {
      ticket = await room.issue(c);
    } catch (error) {
      log?.warn('waiting room: no ticket could be issued', { error });
      return refuse(c, reason ?? 'in-flight');
    }
    return wait(c, ticket, reason ?? 'line');
  };

  return {
    middleware,
    get inFlight() {
      return inFlight;
    },
    get refused() {
      return refused;
    },
    overloaded: () => reasonNow() !== undefined,
  };
}

/**
 * `GET /waiting/manual?return_to=…`: the waiting page's "stop refreshing automatically". Remembers the choice for
 * the browser session and goes back to the page the visitor was waiting for.
 */
export function manualRefreshSwitch(secureCookies: boolean): MiddlewareHandler<AppEnv> {
  return async (c) => {
    const back = c.req.query('return_to') ?? '/';
    const safe = back.startsWith('/') && !back.startsWith('//') && !/[\\\u0000-\u001f]/.test(back) && back.length <= 1000 ? back : '/';
    prepareCookie(c, manualCookieName(secureCookies), '1', { secure: secureCookies });
    return c.redirect(safe, 303);
  };
}
