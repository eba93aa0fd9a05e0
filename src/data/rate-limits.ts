/**
 * Fixed-window rate limits kept in the database, so that every instance behind the load balancer counts the
 * same visitor in the same window: one upsert per counter and attempt, which both SQLite and PostgreSQL do
 * atomically.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface RateLimit {
  /** Names the limit, so one visitor's counts under different limits stay apart. */
  name: string;
  /** Attempts allowed in one window. */
  limit: number;
  windowMs: number;
}

/** One counter an attempt counts toward: a limit, and whose attempts it counts (an address, a block, a number). */
export interface Attempt {
  rule: RateLimit;
  key: string;
}

/** An attempt as counted, so that it can be given back in the window it was counted in. */
export interface CountedAttempt extends Attempt {
  keyHash: string;
  windowStart: string;
}

export type Admission =
  | { allowed: true; counted: CountedAttempt[] }
  /** `rule` is the first limit that was used up; its window ends at `retryAt`. */
  | { allowed: false; rule: RateLimit; retryAt: Date; retryAfterSeconds: number };

export class RateLimits {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Counts one attempt toward every counter, in the order given (narrowest first is cheapest): allowed only if
   * no counter is over its limit. A refused attempt is taken back from the counters it had reached, so that it
   * spends nobody's budget: a visitor refused for its /48 does not use up its own /64, nor a number's.
   *
   * The counters are not updated in one transaction: each upsert holds one row lock at a time, so attempts and
   * the pruning of old windows never wait on each other in a cycle. Between a count and its taking back another
   * attempt may see one too many and be refused; never one too few.
   */
  async admit(attempts: readonly Attempt[]): Promise<Admission> {
    const now = this.clock();
    const counted: CountedAttempt[] = [];
    for (const attempt of attempts) {
      const start = Math.floor(now.getTime() / attempt.rule.windowMs) * attempt.rule.windowMs;
      const end = new Date(start + attempt.rule.windowMs);
      const entry = { ...attempt, keyHash: counterKey(attempt.rule.name, attempt.key), windowStart: new Date(start).toISOString() };
      const count = await this.increment(entry, end);
      counted.push(entry);
      if (count > attempt.rule.limit) {
        await this.giveBack(counted);
        return { allowed: false, rule: attempt.rule, retryAt: end, retryAfterSeconds: Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000)) };
      }
    }
    return { allowed: true, counted };
  }

  /**
   * Takes counted attempts back, each from the window it was counted in (nothing, once that window is over): for
   * limits that count only some outcomes, such as wrong guesses.
   */
  async giveBack(counted: readonly CountedAttempt[]): Promise<void> {
    for (const entry of counted) {
      const { keyHash: key, windowStart: start } = entry;
      const lowered = await this.db
        .updateTable('rate_limit_counters')
        .set((eb) => ({ count: eb('count', '-', 1) }))
        .where('key_hash', '=', key)
        .where('window_start', '=', start)
        .where('count', '>', 1)
        .executeTakeFirst();
      // A counter at one is this attempt alone: remove it rather than keep a count of zero.
      if (lowered.numUpdatedRows === 0n) {
        await this.db.deleteFrom('rate_limit_counters').where('key_hash', '=', key).where('window_start', '=', start).where('count', '=', 1).execute();
      }
    }
  }

  private async increment(entry: CountedAttempt, end: Date): Promise<number> {
    const row = await this.db
      .insertInto('rate_limit_counters')
      .values({ key_hash: entry.keyHash, window_start: entry.windowStart, window_end: end.toISOString(), count: 1 })
      .onConflict((conflict) =>
        conflict.column('key_hash').doUpdateSet((eb) => ({
          // A counter of an earlier window starts again at one.
          count: eb.case().when('rate_limit_counters.window_start', '=', entry.windowStart).then(sql<number>`rate_limit_counters.count + 1`).else(1).end(),
          window_start: eb.ref('excluded.window_start'),
          window_end: eb.ref('excluded.window_end'),
        })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    return row.count;
  }
}

/**
 * Removes counters whose window has ended. A visitor's next attempt starts such a counter again at one whether
 * or not it is still there, so limits never depend on this having run. Returns how many.
 */
export async function pruneEndedRateLimitWindows(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('rate_limit_counters').where('window_end', '<=', now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** One limit on one kind of key: counts an attempt of the visitor `key`. */
export class RateLimiter {
  private readonly limits: RateLimits;

  constructor(
    db: Kysely<Database>,
    readonly rule: RateLimit,
    clock: () => Date = () => new Date(),
  ) {
    this.limits = new RateLimits(db, clock);
  }

  /** False when the visitor has used up the current window. */
  async allow(key: string): Promise<boolean> {
    return (await this.limits.admit([{ rule: this.rule, key }])).allowed;
  }
}

export function counterKey(name: string, key: string): string {
  return createHash('sha256').update(`${name}\0${key}`).digest('hex');
}
