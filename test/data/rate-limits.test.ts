/**
 * Rate limits in the database, on every database: two limiters on one database (two instances) count the same
 * visitor together, a new window starts afresh, limits and visitors stay apart, and addresses are not stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterKey, pruneEndedRateLimitWindows, RateLimiter, RateLimits } from '../../src/data/rate-limits.js';
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
    // Housekeeping's task (src/housekeeping.ts).
    await pruneEndedRateLimitWindows(test.handle.db, now);
    expect(await test.handle.db.selectFrom('rate_limit_counters').select('key_hash').execute()).toEqual([{ key_hash: counterKey(rule.name, '198.51.100.1') }]);
  });

  it('lets exactly the limit through when many attempts arrive at once', async () => {
    const limiters = [new RateLimiter(test.handle.db, rule, clock), new RateLimiter(test.handle.db, rule, clock)];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => limiters[i % 2]!.allow('203.0.113.5')));
    expect(answers.filter(Boolean)).toHaveLength(rule.limit);
  });

  describe('several counters per attempt', () => {
    const host = { name: 'test.host', limit: 3, windowMs: 10 * 60_000 };
    const block = { name: 'test.block', limit: 4, windowMs: 10 * 60_000 };
    const failures = { name: 'test.failures', limit: 2, windowMs: 60 * 60_000 };
    const from = (address: string) => [{ rule: host, key: address }, { rule: block, key: '198.51.100.0/24' }];
    const count = async (name: string, key: string) =>
      (await test.handle.db.selectFrom('rate_limit_counters').select('count').where('key_hash', '=', counterKey(name, key)).executeTakeFirst())?.count ?? 0;

    it('counts one attempt toward all its counters, shared across instances, and refuses when any is used up', async () => {
      const first = new RateLimits(test.handle.db, clock);
      const second = new RateLimits(test.handle.db, clock);
      // Four addresses of one block, none over its own limit: the block's fifth attempt is refused.
      for (const [i, limits] of [first, second, first, second].entries()) expect((await limits.admit(from(`198.51.100.${i + 1}`))).allowed).toBe(true);
      const refused = await second.admit(from('198.51.100.9'));
      expect(refused).toMatchObject({ allowed: false, rule: block, retryAfterSeconds: 600 });
      // The refused attempt spent nobody's budget: not its own address's, and the block stays at its limit.
      expect(await count(host.name, '198.51.100.9')).toBe(0);
      expect(await count(block.name, '198.51.100.0/24')).toBe(4);
      // A refusal by the first counter leaves the later ones alone.
      const busy = [{ rule: host, key: '192.0.2.99' }, { rule: failures, key: 'number' }];
      for (let i = 0; i < 3; i++) await first.admit([{ rule: host, key: '192.0.2.99' }]);
      expect((await second.admit(busy)).allowed).toBe(false);
      expect(await count(failures.name, 'number')).toBe(0);
    });

    it('gives back counted attempts, on any instance, only in the window they were counted in', async () => {
      const first = new RateLimits(test.handle.db, clock);
      const second = new RateLimits(test.handle.db, clock);
      const attempt = [{ rule: failures, key: '2026/000000000001-KUMAL' }];
      const a = await first.admit(attempt);
      const b = await second.admit(attempt);
      if (!a.allowed || !b.allowed) throw new Error('expected both attempts to be counted');
      expect((await first.admit(attempt)).allowed).toBe(false);
      await second.giveBack(b.counted);
      expect(await count(failures.name, attempt[0]!.key)).toBe(1);
      const c = await second.admit(attempt);
      expect(c.allowed).toBe(true);
      await first.giveBack(a.counted);
      await first.giveBack(c.allowed ? c.counted : []);
      // Back to nothing: the counter is gone rather than left at zero.
      expect(await count(failures.name, attempt[0]!.key)).toBe(0);

      const d = await first.admit(attempt);
      now = new Date(now.getTime() + failures.windowMs);
      expect((await second.admit(attempt)).allowed).toBe(true);
      // Giving back an attempt of the window that ended leaves the new window's count alone.
      await first.giveBack(d.allowed ? d.counted : []);
      expect(await count(failures.name, attempt[0]!.key)).toBe(1);
    });
  });
});
