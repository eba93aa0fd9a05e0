import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * The Latvija.lv e-service: the token ids already used (so a token opens the list once, on whichever instance),
 * the short embed sessions a token opens and the download links handed out in them (both stored as SHA-256 of
 * a random value, like web sessions), and the requests for paper copies of certificates.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());
  const sha256 = (name: string) => (c: ColumnDefinitionBuilder) => c.primaryKey().check(sql`length(${sql.ref(name)}) = 64`);
  const personalCode = (name: string) => (c: ColumnDefinitionBuilder) => c.notNull().check(sql`length(${sql.ref(name)}) = 11`);
  const flag = (name: string) => (c: ColumnDefinitionBuilder) =>
    c
      .notNull()
      .defaultTo(0)
      .check(sql`${sql.ref(name)} in (0, 1)`);

  // Kept until the token would have expired anyway (plus the clock tolerance); older rows are purged.
  await db.schema
    .createTable('eservice_token_ids')
    .addColumn('id_hash', 'text', sha256('id_hash'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('eservice_token_ids_expiry').on('eservice_token_ids').column('expires_at').execute();

  await db.schema
    .createTable('eservice_sessions')
    .addColumn('id_hash', 'text', sha256('id_hash'))
    // Whose certificates: the holder, as found in the register by the token's personal code.
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    // Who signed in at the e-service: the holder themselves, or their representative.
    .addColumn('actor_code', 'text', personalCode('actor_code'))
    .addColumn('representative', 'integer', flag('representative'))
    .addColumn('token_id_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('eservice_sessions_expiry').on('eservice_sessions').column('expires_at').execute();

  await db.schema
    .createTable('eservice_links')
    .addColumn('id_hash', 'text', sha256('id_hash'))
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id').onDelete('cascade'))
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('actor_code', 'text', personalCode('actor_code'))
    .addColumn('representative', 'integer', flag('representative'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('eservice_links_expiry').on('eservice_links').column('expires_at').execute();

  await db.schema
    .createTable('paper_requests')
    .addColumn('id', 'integer', id)
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id').onDelete('cascade'))
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    // The personal code of whoever asked: the holder, or the representative acting for them.
    .addColumn('requested_by_code', 'text', personalCode('requested_by_code'))
    .addColumn('representative', 'integer', flag('representative'))
    .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('eservice')`))
    .addColumn('delivery', 'text', (c) => c.notNull().check(sql`delivery in ('post', 'pickup')`))
    .addColumn('recipient', 'text')
    .addColumn('address_line1', 'text')
    .addColumn('address_line2', 'text')
    .addColumn('city', 'text')
    .addColumn('postcode', 'text')
    .addColumn('country', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('received', 'printed', 'sent')`))
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('printed_at', 'text')
    .addColumn('printed_by', 'integer', (c) => c.references('users.id'))
    .addColumn('sent_at', 'text')
    .addColumn('sent_by', 'integer', (c) => c.references('users.id'))
    .addCheckConstraint(
      'paper_requests_address',
      sql`(delivery = 'post' and recipient is not null and address_line1 is not null and city is not null and postcode is not null and country is not null)
        or (delivery = 'pickup' and recipient is null and address_line1 is null and address_line2 is null and city is null and postcode is null and country is null)`,
    )
    .addCheckConstraint(
      'paper_requests_progress',
      sql`(status = 'received' and printed_at is null and sent_at is null)
        or (status = 'printed' and printed_at is not null and sent_at is null)
        or (status = 'sent' and printed_at is not null and sent_at is not null)`,
    )
    .execute();
  // At most one request per certificate that is not yet sent: the database refuses a second, however it comes.
  await db.schema
    .createIndex('paper_requests_one_open')
    .unique()
    .on('paper_requests')
    .column('certificate_id')
    .where(sql<boolean>`status <> 'sent'`)
    .execute();
  await db.schema.createIndex('paper_requests_status').on('paper_requests').columns(['status', 'requested_at']).execute();
  await db.schema.createIndex('paper_requests_person').on('paper_requests').column('person_id').execute();
  await db.schema.createIndex('paper_requests_sent').on('paper_requests').columns(['delivery', 'sent_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('paper_requests').execute();
  await db.schema.dropTable('eservice_links').execute();
  await db.schema.dropTable('eservice_sessions').execute();
  await db.schema.dropTable('eservice_token_ids').execute();
}
