import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Rate-limit counters shared by every instance: one row per limited visitor and limit, holding the current
 * fixed window and its count. The key is a SHA-256 (of the limit's name and the visitor's address), so no
 * address is stored in the clear.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key_hash', 'text', (c) => c.primaryKey().check(sql`length(key_hash) = 64`))
    .addColumn('window_start', 'text', (c) => c.notNull())
    .addColumn('window_end', 'text', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull().check(sql`count > 0`))
    .execute();
  await db.schema.createIndex('rate_limit_counters_end').on('rate_limit_counters').column('window_end').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limit_counters').execute();
}
