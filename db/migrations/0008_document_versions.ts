import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Sealed documents get versions. A document that must stay verifiable for decades is upgraded now and then (an
 * archive time-stamp added, long-term validation data gathered): each upgrade is a new row beside the original,
 * never a change to it. Rows stay immutable (the database refuses any update, as before); what a version's
 * signature covers (the SHA-256 of its SignatureValue and of each signed file) is kept beside its bytes, so an
 * uploaded copy can be recognised whatever ZIP it comes in. Existing documents become version 1; their
 * fingerprint is left empty and worked out from their bytes when first needed (a migration cannot read XAdES).
 *
 * SQLite cannot change a primary key in place, so the table is rebuilt (on both databases, one code path).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('certificate_document_versions')
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('edoc', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`length(sha256) = 64`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('sealed', 'long-term-data', 'archive-timestamp')`))
    .addColumn('signature_value_sha256', 'text', (c) => c.check(sql`signature_value_sha256 is null or length(signature_value_sha256) = 64`))
    // JSON object: signed file name → SHA-256 (hex) of its bytes, keys sorted.
    .addColumn('signed_data', 'text')
    .addPrimaryKeyConstraint('certificate_document_versions_pk', ['certificate_id', 'version'])
    // The first version is the sealing itself; every later one is an upgrade of it.
    .addCheckConstraint('certificate_document_versions_reason', sql`(version = 1) = (reason = 'sealed')`)
    .addCheckConstraint('certificate_document_versions_fingerprint', sql`(signature_value_sha256 is null) = (signed_data is null)`)
    .execute();
  await sql`insert into certificate_document_versions (certificate_id, version, edoc, sha256, created_at, reason)
    select certificate_id, 1, edoc, sha256, sealed_at, 'sealed' from certificate_documents`.execute(db);
  await dropImmutability(db);
  await db.schema.dropTable('certificate_documents').execute();
  await db.schema.alterTable('certificate_document_versions').renameTo('certificate_documents').execute();

  // Every version, the original included, stays as it was stored.
  await makeImmutable(db);

  await createCurrentDocumentsView(db);
}

/** The version every download hands out: the newest of each certificate. One definition for every query. */
export async function createCurrentDocumentsView(db: Kysely<any>): Promise<void> {
  await db.schema
    .createView('current_certificate_documents')
    .as(
      db
        .selectFrom('certificate_documents as d')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('certificate_documents as newer')
                .select(sql`1`.as('one'))
                .whereRef('newer.certificate_id', '=', 'd.certificate_id')
                .whereRef('newer.version', '>', 'd.version'),
            ),
          ),
        )
        .selectAll('d'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema.dropView('current_certificate_documents').execute();
  await db.schema
    .createTable('certificate_documents_original')
    .addColumn('certificate_id', 'integer', (c) => c.primaryKey().references('certificates.id'))
    .addColumn('edoc', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`length(sha256) = 64`))
    .addColumn('sealed_at', 'text', (c) => c.notNull())
    .execute();
  // Later versions have no place in the old shape: the originals are kept.
  await sql`insert into certificate_documents_original (certificate_id, edoc, sha256, sealed_at)
    select certificate_id, edoc, sha256, created_at from certificate_documents where version = 1`.execute(db);
  await dropImmutability(db);
  await db.schema.dropTable('certificate_documents').execute();
  await db.schema.alterTable('certificate_documents_original').renameTo('certificate_documents').execute();
  await makeImmutable(db);
}

/** The trigger that refuses any change to a stored document (the function behind it on PostgreSQL is 0002's). */
async function makeImmutable(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create trigger certificate_documents_immutable before update on certificate_documents
      for each row execute function refuse_sealed_document_update()`.execute(db);
  } else {
    await sql`create trigger certificate_documents_immutable before update on certificate_documents
      begin select raise(abort, 'sealed documents are immutable'); end`.execute(db);
  }
}

async function dropImmutability(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) await sql`drop trigger certificate_documents_immutable on certificate_documents`.execute(db);
  else await sql`drop trigger certificate_documents_immutable`.execute(db);
}
