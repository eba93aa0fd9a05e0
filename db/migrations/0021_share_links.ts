import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Share links: a holder lets a recipient they name see chosen certificates, without an account, until a moment
 * they choose or until they withdraw the link. The link's token is stored only as its SHA-256, like web
 * sessions; the views are counted on the link for the holder's list (each view is also in the audit log).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());
  await db.schema
    .createTable('share_links')
    .addColumn('id', 'integer', id)
    .addColumn('token_hash', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(token_hash) = 64`),
    )
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull().check(sql`length(recipient) between 1 and 200`))
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('lv', 'en')`))
    // Who made it, as the audit log names them (a representative only masked).
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('student', 'eservice')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('views', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`views >= 0`),
    )
    .addColumn('first_viewed_at', 'text')
    .addColumn('last_viewed_at', 'text')
    .addCheckConstraint('share_links_expiry_after_creation', sql`expires_at > created_at`)
    .execute();
  await db.schema.createIndex('share_links_person').on('share_links').columns(['person_id', 'created_at']).execute();

  await db.schema
    .createTable('share_link_certificates')
    .addColumn('link_id', 'integer', (c) => c.notNull().references('share_links.id').onDelete('cascade'))
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('share_link_certificates_pk', ['link_id', 'certificate_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('share_link_certificates').execute();
  await db.schema.dropTable('share_links').execute();
}
