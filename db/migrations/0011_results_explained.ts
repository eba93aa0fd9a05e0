import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * What the results page needs to explain a state in the register's own words:
 * - a person's grammatical gender, as the education register (VIIS) records it, so that Latvian text can agree
 *   with it ("atbrīvota" / "atbrīvots"); a personal code does not tell it (new-format codes start with 32), so it
 *   is a field of its own, filled by the register's import, and unknown (null) until then;
 * - when and why an exam work was annulled, as a certificate's annulment already records.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('persons')
    .addColumn('gender', 'text', (c) => c.check(sql`gender is null or gender in ('female', 'male')`))
    .execute();
  await db.schema.alterTable('sittings').addColumn('work_annulled_at', 'text').execute();
  await db.schema.alterTable('sittings').addColumn('work_annulled_reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sittings').dropColumn('work_annulled_reason').execute();
  await db.schema.alterTable('sittings').dropColumn('work_annulled_at').execute();
  await db.schema.alterTable('persons').dropColumn('gender').execute();
}
