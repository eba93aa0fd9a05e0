/**
 * Fixed-window rate limits kept in the database, so that every instance behind the load balancer counts the
 * same visitor in the same window: one upsert per attempt, which both SQLite and PostgreSQL do atomically.
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

/** Counters whose window ended are removed at most this often, by whichever instance comes by. */
const PRUNE_EVERY_MS = 60_000;

export class RateLimiter {
  private prunedAt = 0;

  constructor(
    private readonly db: Kysely<Database>,
    readonly rule: RateLimit,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Counts one attempt of the visitor `key`; false when the visitor has used up the current window. */
  async allow(key: string): Promise<boolean> {
    const now = this.clock();
    const start = Math.floor(now.getTime() / this.rule.windowMs) * this.rule.windowMs;
    const windowStart = new Date(start).toISOString();
    const row = await this.db
      .insertInto('rate_limit_counters')
      .values({ key_hash: counterKey(this.rule.name, key), window_start: windowStart, window_end: new Date(start + this.rule.windowMs).toISOString(), count: 1 })
      .onConflict((conflict) =>
        conflict.column('key_hash').doUpdateSet((eb) => ({
          // A counter of an earlier window starts again at one.
          count: eb.case().when('rate_limit_counters.window_start', '=', windowStart).then(sql<number>`rate_limit_counters.count + 1`).else(1).end(),
          window_start: eb.ref('excluded.window_start'),
          window_end: eb.ref('excluded.window_end'),
        })),
      )
      .returning('count')
      .executeTakeFirstOrThrow();
    if (now.getTime() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = now.getTime();
      await this.db.deleteFrom('rate_limit_counters').where('window_end', '<=', now.toISOString()).execute();
    }
    return row.count <= this.rule.limit;
  }
}

export function counterKey(name: string, key: string): string {
  return createHash('sha256').update(`${name}\0${key}`).digest('hex');
}
