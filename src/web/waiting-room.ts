/**
 * The results-day waiting room. When the portal is over its bounds (src/web/overload.ts), a visitor it cannot serve
 * gets a numbered ticket instead of a bare 503, and a light page with their place in line; every instance takes
 * its numbers from one shared counter (src/data/waiting-room.ts), so the line has one order across instances.
 * Each instance, once a second, lets in as many more numbers as it finished requests in that second (at least
 * `minAdmitPerSecond` while it is under its bounds, none while it is over them), so the line moves at the rate the
 * portal is actually serving; a ticket at or below the shared "admitted up to" number gets through.
 *
 * A ticket is a cookie `number.issuedAt.mac`, where the MAC (HMAC-SHA256 with a key kept in the shared row) covers
 * the number, the issue time and the browser's own random visitor id, which lives in a second cookie. So a ticket
 * cannot be moved forward (any change breaks the MAC), a ticket copied into another browser is refused there (its
 * visitor id differs) and that browser goes to the back of the line, and an expired ticket is worth nothing. A
 * browser given both cookies is the same visitor as far as any server can tell: it shares that one place, never
 * a better one.
 *
 * The hot path when nobody waits and the portal is under its bounds reads two numbers held in memory; the database
 * is asked once a second by `tick()`, and once per new ticket.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { admitWaiting, readWaitingLine, takeWaitingNumber, waitingRoomKey, type WaitingLine } from '../data/waiting-room.js';
import type { Logger } from '../log.js';
import { prepareCookie } from './response-headers.js';

/** How long a ticket keeps its place, and lets its holder in once admitted. */
export const TICKET_LIFETIME_MS = 2 * 60 * 60_000;
/** The line's speed is measured over this window, for the estimate on the page. */
const RATE_WINDOW_MS = 30_000;
/** A pause of the timer (a stalled loop, a suspended machine) does not let a flood in at once. */
const MAX_TICK_SECONDS = 5;

export function ticketCookieName(secure: boolean): string {
  return secure ? '__Host-waiting_ticket' : 'waiting_ticket';
}
export function visitorCookieName(secure: boolean): string {
  return secure ? '__Host-waiting_visitor' : 'waiting_visitor';
}
/** Set by "stop refreshing by itself" on the waiting page, for the browser session. */
export function manualCookieName(secure: boolean): string {
  return secure ? '__Host-waiting_manual' : 'waiting_manual';
}

export interface Ticket {
  number: number;
  issuedAtSeconds: number;
}

/** What the browser's cookies hold: no ticket, one that does not verify (or has expired), or a good one. */
export type TicketReading = { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; ticket: Ticket };

export interface WaitingRoomOptions {
  db: Kysely<Database>;
  secureCookies: boolean;
  clock?: () => Date;
  /** Tickets let in per second by this instance while it is under its bounds, however little it served. */
  minAdmitPerSecond?: number;
  log?: Logger;
}

/** A visitor's place: how many are ahead of them and, once the line has moved, about how long it will take. */
export interface WaitingPlace {
  position: number;
  estimateSeconds: number | undefined;
}

const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;

export class WaitingRoom {
  private line: WaitingLine = { issued: 0, admittedUpTo: 0 };
  private completed = 0;
  private lastTick: number | undefined;
  private history: { at: number; admittedUpTo: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pressure: () => boolean = () => false;
  private readonly clock: () => Date;
  private readonly minAdmitPerSecond: number;
  readonly secureCookies: boolean;

  private constructor(
    private readonly options: WaitingRoomOptions,
    private readonly key: Buffer,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.minAdmitPerSecond = options.minAdmitPerSecond ?? 10;
    this.secureCookies = options.secureCookies;
  }

  /** Reads (on the very first start: creates) the shared row and its ticket key. */
  static async open(options: WaitingRoomOptions): Promise<WaitingRoom> {
    const clock = options.clock ?? (() => new Date());
    const room = new WaitingRoom(options, await waitingRoomKey(options.db, clock()));
    room.line = await readWaitingLine(options.db);
    return room;
  }

  /** How the room learns whether this instance is over its bounds now (the overload guard sets it). */
  watch(overloaded: () => boolean): void {
    this.pressure = overloaded;
  }

  /** People in line, as this instance last heard from the shared row (or issued itself). */
  get waiting(): number {
    return this.line.issued - this.line.admittedUpTo;
  }

  get admittedUpTo(): number {
    return this.line.admittedUpTo;
  }

  /** A request this instance finished: the measure of what it can serve. */
  recordCompletion(): void {
    this.completed++;
  }

  /**
   * Once a second: reads the shared line and, when people wait and this instance has room, lets in as many as it
   * served since the last tick.
   */
  async tick(): Promise<void> {
    const now = this.clock().getTime();
    const seconds = this.lastTick === undefined ? 1 : Math.min(MAX_TICK_SECONDS, Math.max(0, (now - this.lastTick) / 1000));
    this.lastTick = now;
    const served = this.completed;
    this.completed = 0;
    let line = await readWaitingLine(this.options.db);
    if (line.issued > line.admittedUpTo && !this.pressure()) {
      const count = Math.max(this.minAdmitPerSecond * seconds, served);
      line = await admitWaiting(this.options.db, count, new Date(now));
    }
    this.line = line;
    this.history.push({ at: now, admittedUpTo: line.admittedUpTo });
    while (this.history.length > 2 && this.history[0]!.at < now - RATE_WINDOW_MS) this.history.shift();
  }

  /** Ticks every second until `stop()`; a failed tick is logged and the next one tries again. */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.options.log?.warn('waiting room: the shared line could not be read', { error }));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Tickets let in per second across the portal, measured over the last half minute; undefined until it moves. */
  admissionRate(): number | undefined {
    const first = this.history[0];
    const last = this.history.at(-1);
    if (!first || !last || last.at - first.at < 1000) return undefined;
    const rate = ((last.admittedUpTo - first.admittedUpTo) * 1000) / (last.at - first.at);
    return rate > 0 ? rate : undefined;
  }

  place(ticket: Ticket): WaitingPlace {
    const position = Math.max(1, ticket.number - this.line.admittedUpTo);
    const rate = this.admissionRate();
    return { position, estimateSeconds: rate === undefined ? undefined : Math.ceil(position / rate) };
  }

  isAdmitted(ticket: Ticket): boolean {
    return ticket.number <= this.line.admittedUpTo;
  }

  private mac(number: number, issuedAtSeconds: number, visitor: string): Buffer {
    return createHmac('sha256', this.key).update(`waiting-ticket|${number}|${issuedAtSeconds}|${visitor}`).digest();
  }

  /** The browser's ticket, checked: signature, binding to this browser's visitor id, and age. */
  readTicket(c: Context): TicketReading {
    const raw = getCookie(c, ticketCookieName(this.secureCookies));
    if (raw === undefined) return { kind: 'none' };
    const visitor = getCookie(c, visitorCookieName(this.secureCookies));
    const match = /^(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!match || !visitor || !VISITOR_ID.test(visitor)) return { kind: 'invalid' };
    const number = Number(match[1]);
    const issuedAtSeconds = Number(match[2]);
    const given = Buffer.from(match[3]!, 'base64url');
    const expected = this.mac(number, issuedAtSeconds, visitor);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { kind: 'invalid' };
    const now = this.clock().getTime();
    const issuedAt = issuedAtSeconds * 1000;
    // A ticket from the future was not issued by us either.
    if (issuedAt > now + 60_000 || now - issuedAt > TICKET_LIFETIME_MS) return { kind: 'invalid' };
    return { kind: 'valid', ticket: { number, issuedAtSeconds } };
  }

  /** A new number at the back of the shared line, in this browser's cookies. */
  async issue(c: Context): Promise<Ticket> {
    const at = this.clock();
    const taken = await takeWaitingNumber(this.options.db, at);
    // Never move the local view backwards: another tick may have brought newer numbers meanwhile.
    this.line = {
      issued: Math.max(this.line.issued, taken.issued),
      admittedUpTo: Math.max(this.line.admittedUpTo, taken.admittedUpTo),
    };
    const known = getCookie(c, visitorCookieName(this.secureCookies));
    const visitor = known && VISITOR_ID.test(known) ? known : randomBytes(16).toString('base64url');
    const issuedAtSeconds = Math.floor(at.getTime() / 1000);
    const cookie = { secure: this.secureCookies, maxAgeSeconds: TICKET_LIFETIME_MS / 1000 };
    prepareCookie(c, visitorCookieName(this.secureCookies), visitor, cookie);
    const mac = this.mac(taken.number, issuedAtSeconds, visitor).toString('base64url');
    prepareCookie(c, ticketCookieName(this.secureCookies), `${taken.number}.${issuedAtSeconds}.${mac}`, cookie);
    return { number: taken.number, issuedAtSeconds };
  }
}

/**
 * Seconds until the waiting page looks again by itself: about half the estimated wait, between 15 s and a minute,
 * spread at random by ±30 % so that a crowd refused in one second does not come back in one second.
 */
export function refreshSeconds(place: WaitingPlace, random: () => number = Math.random): number {
  const base = place.estimateSeconds === undefined ? 30 : Math.min(60, Math.max(15, place.estimateSeconds / 2));
  return Math.max(10, Math.round(base * (0.7 + 0.6 * random())));
}
