import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Paper copies through the Latvija.lv e-service:
 *
 * - Every request gets a reference the person is told on the confirmation page and can quote to the agency
 *   (`P-XXXX-XXXX`, unique). Requests made before have one made from their id (`P-0000-0042`), which the
 *   random ones may also hit: the unique index refuses it and a new one is drawn.
 * - A form sent after its embed session ended is kept as a draft for the same person (the holder, and who
 *   signed in at Latvija.lv: themselves or their representative), so that they find it filled when they come
 *   back; a draft is removed when the request is filed or, by housekeeping, when it expires.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Nullable only because SQLite cannot add a NOT NULL column without a default; every row gets one below, and
  // the application always writes one.
  await db.schema.alterTable('paper_requests').addColumn('reference', 'text').execute();
  const existing = await db.selectFrom('paper_requests').select('id').execute();
  for (const row of existing as { id: number }[]) {
    const digits = String(row.id).padStart(8, '0');
    await db
      .updateTable('paper_requests')
      .set({ reference: `P-${digits.slice(0, -4)}-${digits.slice(-4)}` })
      .where('id', '=', row.id)
      .execute();
  }
  await db.schema.createIndex('paper_requests_reference').unique().on('paper_requests').column('reference').execute();

  const personalCode = (name: string) => (c: ColumnDefinitionBuilder) => c.notNull().check(sql`length(${sql.ref(name)}) = 11`);
  await db.schema
    .createTable('paper_request_drafts')
    // Whose certificate, and who typed: a representative's draft is theirs, not the holder's or another parent's.
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('actor_code', 'text', personalCode('actor_code'))
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id').onDelete('cascade'))
    // The form's fields as JSON (delivery and the postal address), each capped in length.
    .addColumn('form', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('paper_request_drafts_pk', ['person_id', 'actor_code', 'certificate_id'])
    .execute();
  await db.schema.createIndex('paper_request_drafts_expiry').on('paper_request_drafts').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('paper_request_drafts').execute();
  await db.schema.dropIndex('paper_requests_reference').execute();
  await db.schema.alterTable('paper_requests').dropColumn('reference').execute();
}
