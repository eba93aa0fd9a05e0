/**
 * Rate limits in the database, on every database: two limiters on one database (two instances) count the same
 * visitor together, a new window starts afresh, limits and visitors stay apart, and addresses are not stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterKey, RateLimiter } from '../../src/data/rate-limits.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

describe.each(DATABASE_KINDS)('rate limits on %s', (kind) => {
  let test: TestDatabase;
  let now = new Date('2026-07-01T06:00:00Z');
  const clock = () => now;
  const rule = { name: 'test.lookup', limit: 3, windowMs: 10 * 60_000 };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(async () => test?.close());

  it('counts one visitor across instances, and starts again in the next window', async () => {
    const first = new RateLimiter(test.handle.db, rule, clock);
    const second = new RateLimiter(test.handle.db, rule, clock);
    expect(await first.allow('192.0.2.7')).toBe(true);
    expect(await second.allow('192.0.2.7')).toBe(true);
    expect(await first.allow('192.0.2.7')).toBe(true);
    expect(await second.allow('192.0.2.7')).toBe(false);
    expect(await first.allow('192.0.2.7')).toBe(false);
    // Another visitor, and the same visitor under another limit, have counts of their own.
    expect(await second.allow('192.0.2.8')).toBe(true);
    expect(await new RateLimiter(test.handle.db, { ...rule, name: 'test.upload' }, clock).allow('192.0.2.7')).toBe(true);

    now = new Date(now.getTime() + rule.windowMs);
    expect(await second.allow('192.0.2.7')).toBe(true);
    const rows = await test.handle.db.selectFrom('rate_limit_counters').selectAll().where('key_hash', '=', counterKey(rule.name, '192.0.2.7')).execute();
    expect(rows).toEqual([{ key_hash: counterKey(rule.name, '192.0.2.7'), window_start: '2026-07-01T06:10:00.000Z', window_end: '2026-07-01T06:20:00.000Z', count: 1 }]);
  });

  it('stores no address in the clear and removes counters of windows that ended', async () => {
    const stored = await test.handle.db.selectFrom('rate_limit_counters').select('key_hash').execute();
    expect(stored.map((r) => r.key_hash).join()).not.toContain('192.0.2');
    now = new Date(now.getTime() + 3 * rule.windowMs);
    await new RateLimiter(test.handle.db, rule, clock).allow('198.51.100.1');
    expect(await test.handle.db.selectFrom('rate_limit_counters').select('key_hash').execute()).toEqual([{ key_hash: counterKey(rule.name, '198.51.100.1') }]);
  });

  it('lets exactly the limit through when many attempts arrive at once', async () => {
    const limiters = [new RateLimiter(test.handle.db, rule, clock), new RateLimiter(test.handle.db, rule, clock)];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => limiters[i % 2]!.allow('203.0.113.5')));
    expect(answers.filter(Boolean)).toHaveLength(rule.limit);
  });
});
