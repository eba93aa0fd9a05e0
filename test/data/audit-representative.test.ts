/**
 * A representative's personal code in the audit log: in a column of its own, masked in the free-text actor,
 * and moved there from entries written before the column existed; on every database.
 */
import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../db/connect.js';
import { migrationProvider } from '../../db/migrations/index.js';
import { DATABASE_KINDS, openTestDatabase } from '../support/databases.js';

describe.each(DATABASE_KINDS)('representatives in the audit log on %s', (kind) => {
  it('moves earlier entries’ codes out of the actor text into their own column, and refuses anything but a code there', async () => {
    const test = await openTestDatabase(kind, { prepare: false });
    try {
      const db = test.handle.db;
      const migrationTableSchema = kind === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]!.name : undefined;
      const { error } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema }).migrateTo('0006_rate_limits');
      expect(error).toBeUndefined();
      const at = '2026-09-01T10:00:00.000Z';
      await db
        .insertInto('audit_log')
        .values([
          { at, actor: 'representative:16117519997', action: 'certificate.download', subject: 'certificate:2026/301949081206-KUMAL', channel: 'eservice' },
          { at, actor: 'representative:32579461005', action: 'certificates.list', subject: 'person:7', channel: 'eservice' },
          { at, actor: 'person:7', action: 'certificates.list', subject: 'person:7', channel: 'eservice' },
          { at, actor: 'cli:agency', action: 'certificate.annul', subject: 'certificate:2026/301949081206-KUMAL', channel: 'cli' },
        ])
        .execute();

      await migrateToLatest(test.handle);
      const rows = await db.selectFrom('audit_log').select(['actor', 'actor_personal_code']).orderBy('id').execute();
      expect(rows).toEqual([
        { actor: 'representative:161175-*****', actor_personal_code: '16117519997' },
        { actor: 'representative:3257*******', actor_personal_code: '32579461005' },
        { actor: 'person:7', actor_personal_code: null },
        { actor: 'cli:agency', actor_personal_code: null },
      ]);
      await expect(
        db.insertInto('audit_log').values({ at, actor: 'representative:x', actor_personal_code: '161175-19997', action: 'a', channel: 'eservice' }).execute(),
      ).rejects.toThrow();
    } finally {
      await test.close();
    }
  });
});
