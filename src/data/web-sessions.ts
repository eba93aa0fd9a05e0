/**
 * Web sessions (a browser's sign-in to the portal; not exam sessions, nor the e-service's embed sessions) and the
 * OpenID Connect states already answered, kept in the database so that any instance serves any request. The cookie
 * carries a random 32-byte token; the table holds only its SHA-256, so a copy of the table signs nobody in.
 *
 * The results page is the hot path: loading a session is one read by primary key, and the only write is
 * moving `last_seen_at` forward, at most once a minute per session. A sign-in writes once: the new session, its
 * audit entry and the state it answered, in one transaction, so there is never a session without its "sign-in" in
 * the audit log, nor the other way round, and a state makes at most one session. Sign-ins at the same moment are
 * written together, with the other rows asked for then (group commit, ./group-commit.ts).
 */
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../../db/dialect.js';
import { batchedLookup } from '../../db/prepared.js';
import type { Database, WebSessionTable } from '../../db/schema.js';
import { randomToken } from '../random.js';
import { auditRow, type AuditEntry } from './audit.js';
import { insertWithOthers } from './group-commit.js';
import { formatResultsVersion } from './student-results.js';

/** A session ends this long after sign-in however active it is. */
export const WEB_SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
/** `last_seen_at` (and the idle deadline with it) moves at most this often. */
export const WEB_SESSION_TOUCH_MS = 60_000;
/** A login must come back from the provider within this time, and only once. */
export const LOGIN_ATTEMPT_MS = 10 * 60_000;
const TOUCHES_PER_TRANSACTION = 50;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type WebSessionRow = Selectable<WebSessionTable>;

/**
 * A session as loaded for a request: for a student, also the version of their results page's data (see
 * resultsVersion in student-results.ts), read in the same indexed query, so the results page needs no query of
 * its own to know whether its kept copy is still right.
 */
export type LoadedWebSession = WebSessionRow & { resultsVersion?: string };

/** The sign-in a new session answers: its OpenID Connect state, taken once (`login_attempts`, keyed by the state). */
export interface AnsweredLogin {
  state: string;
  provider: string;
  /** When the sign-in began. */
  startedAt: Date;
}

/** The state of a sign-in was taken before: its answer was used already, by this browser or another. */
export class LoginAlreadyAnswered extends Error {
  constructor(options?: { cause?: unknown }) {
    super('this sign-in was answered before', options);
    this.name = 'LoginAlreadyAnswered';
  }
}

export interface NewWebSession {
  kind: 'student' | 'staff';
  personId?: number | null;
  userId?: number | null;
  provider: string;
  displayName: string;
}

export interface WebSessionStoreOptions {
  /** Minutes without a request after which the session ends (SESSION_IDLE_MINUTES). */
  idleMinutes: number;
  /** The clock; tests move it. */
  now?: () => Date;
  /**
   * How long "last seen" updates wait to be written together (default 2 s). One transaction for many sessions
   * instead of one commit per student keeps writes off the results page's path; 0 writes at once.
   */
  touchDelayMs?: number;
}

/** What the table stores for a cookie token: SHA-256, lowercase hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class WebSessionStore {
  readonly idleMs: number;
  private readonly now: () => Date;

  /** Every signed-in request reads its session: compiled once, and those of one turn of the event loop in one query (batchedLookup). */
  private readonly byHash: (idHash: string) => Promise<(WebSessionRow & { results_version: number | null; catalogue_version: number | null }) | undefined>;
  private readonly touchDelayMs: number;
  private readonly touches = new Map<string, { lastSeen: string; expires: string; previous: string }>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    options: WebSessionStoreOptions,
  ) {
    this.byHash = batchedLookup(
      db,
      (idHashes: string[]) => db
        .selectFrom('web_sessions')
        .leftJoin('persons', 'persons.id', 'web_sessions.person_id')
        // Named columns, not *: a named statement's result shape must not change under it when a migration adds one.
        .select([
          'web_sessions.id_hash', 'web_sessions.kind', 'web_sessions.person_id', 'web_sessions.user_id', 'web_sessions.provider',
          'web_sessions.display_name', 'web_sessions.csrf_token', 'web_sessions.created_at', 'web_sessions.last_seen_at', 'web_sessions.expires_at',
          'persons.results_version',
          (eb) => eb.selectFrom('results_catalogue_version').select('version').as('catalogue_version'),
        ])
        .where('web_sessions.id_hash', 'in', idHashes),
      (row) => row.id_hash,
    );
    this.idleMs = options.idleMinutes * 60_000;
    this.touchDelayMs = options.touchDelayMs ?? 2000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Creates a session; the token goes into the cookie and is never stored. With `audit`, the entry is written in
   * the same transaction as the session; with `answers`, the sign-in's state too, and a state taken before makes it
   * fail with LoginAlreadyAnswered, storing nothing.
   */
  async create(subject: NewWebSession, options: { audit?: AuditEntry; answers?: AnsweredLogin } = {}): Promise<{ token: string; row: WebSessionRow }> {
    const token = randomToken();
    const now = this.now();
    const row: WebSessionRow = {
      id_hash: hashToken(token),
      kind: subject.kind,
      person_id: subject.personId ?? null,
      user_id: subject.userId ?? null,
      provider: subject.provider,
      display_name: subject.displayName,
      csrf_token: randomToken(),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: this.deadline(now, now),
    };
    const answered = options.answers && {
      state: options.answers.state,
      provider: options.answers.provider,
      created_at: options.answers.startedAt.toISOString(),
    };
    try {
      await insertWithOthers(this.db, [
        { table: 'login_attempts', rows: answered ? [answered] : [] },
        { table: 'web_sessions', rows: [row] },
        { table: 'audit_log', rows: options.audit ? [auditRow(options.audit, now)] : [] },
      ]);
    } catch (error) {
      if (answered && isUniqueViolation(error, 'login_attempts')) throw new LoginAlreadyAnswered({ cause: error });
      throw error;
    }
    return { token, row };
  }

  /**
   * The live session of a cookie token, or undefined (unknown, idle too long or past its absolute end).
   * Moves `last_seen_at` when it is a minute old or more.
   */
  async load(token: string | undefined): Promise<LoadedWebSession | undefined> {
    if (!token || !TOKEN_SHAPE.test(token)) return undefined;
    const idHash = hashToken(token);
    const found = await this.byHash(idHash);
    if (!found) return undefined;
    const { results_version: person, catalogue_version: catalogue, ...session } = found;
    const stored: LoadedWebSession = person === null || catalogue === null ? session : { ...session, resultsVersion: formatResultsVersion(person, catalogue) };
    // A "last seen" still waiting to be written counts as written.
    const pending = this.touches.get(idHash);
    const row = pending ? { ...stored, last_seen_at: pending.lastSeen, expires_at: pending.expires } : stored;
    const now = this.now();
    if (Date.parse(row.expires_at) <= now.getTime()) {
      await this.db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
      return undefined;
    }
    if (now.getTime() - Date.parse(row.last_seen_at) >= WEB_SESSION_TOUCH_MS) {
      const lastSeen = now.toISOString();
      const expires = this.deadline(new Date(row.created_at), now);
      this.touches.set(idHash, { lastSeen, expires, previous: pending?.previous ?? stored.last_seen_at });
      if (this.touchDelayMs === 0) await this.flushTouches();
      else this.flushTimer ??= setTimeout(() => this.flushTouches().catch(() => {}), this.touchDelayMs).unref();
      return { ...row, last_seen_at: lastSeen, expires_at: expires };
    }
    return row;
  }

  /**
   * Writes the pending "last seen" updates. A failed write (the database away for a moment) puts them back for
   * the next flush; it never brings the process down.
   */
  async flushTouches(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.touches.size === 0) return;
    const batch = [...this.touches];
    this.touches.clear();
    try {
      await this.writeTouches(batch);
    } catch (error) {
      for (const [idHash, touch] of batch) if (!this.touches.has(idHash)) this.touches.set(idHash, touch);
      if (this.touchDelayMs > 0) this.flushTimer ??= setTimeout(() => this.flushTouches().catch(() => {}), this.touchDelayMs * 5).unref();
      throw error;
    }
  }

  private async writeTouches(batch: [string, { lastSeen: string; expires: string; previous: string }][]): Promise<void> {
    // In small transactions, letting requests in between: thousands of students arrive within the same
    // minute on results day, and one long write would hold every page for its whole length.
    for (let i = 0; i < batch.length; i += TOUCHES_PER_TRANSACTION) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      await this.db.transaction().execute(async (trx) => {
        for (const [idHash, touch] of batch.slice(i, i + TOUCHES_PER_TRANSACTION)) {
          // Compared with the value read, so two instances touching one session write once between them.
          await trx
            .updateTable('web_sessions')
            .set({ last_seen_at: touch.lastSeen, expires_at: touch.expires })
            .where('id_hash', '=', idHash)
            .where('last_seen_at', '=', touch.previous)
            .execute();
        }
      });
    }
  }

  /** Ends the session of a cookie token (logout); true when there was one. */
  async delete(token: string | undefined): Promise<boolean> {
    if (!token || !TOKEN_SHAPE.test(token)) return false;
    const result = await this.db.deleteFrom('web_sessions').where('id_hash', '=', hashToken(token)).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Removes expired sessions and answered states past their time, by this store's clock; returns how many of each. */
  async purgeExpired(): Promise<{ sessions: number; loginAttempts: number }> {
    const now = this.now();
    return { sessions: await purgeExpiredWebSessions(this.db, now), loginAttempts: await purgeStaleLoginAttempts(this.db, now) };
  }

  /** The idle deadline, never past the absolute end. */
  private deadline(created: Date, lastSeen: Date): string {
    return new Date(Math.min(lastSeen.getTime() + this.idleMs, created.getTime() + WEB_SESSION_ABSOLUTE_MS)).toISOString();
  }
}

/**
 * Removes sessions past their idle or absolute end. Loading such a session refuses it (and deletes it) anyway;
 * this removes the ones nobody comes back to. Returns how many.
 */
export async function purgeExpiredWebSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('web_sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Removes answered states once their sign-in is past LOGIN_ATTEMPT_MS, when its login cookie is refused anyway;
 * returns how many.
 */
export async function purgeStaleLoginAttempts(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('login_attempts')
    .where('created_at', '<=', new Date(now.getTime() - LOGIN_ATTEMPT_MS).toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

