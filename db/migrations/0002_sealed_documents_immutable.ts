import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/** A sealed document never changes: the database itself refuses an update, whatever code asks. */
export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create function refuse_sealed_document_update() returns trigger language plpgsql as $$
      begin raise exception 'sealed documents are immutable'; end $$`.execute(db);
    await sql`create trigger certificate_documents_immutable before update on certificate_documents
      for each row execute function refuse_sealed_document_update()`.execute(db);
  } else {
    await sql`create trigger certificate_documents_immutable before update on certificate_documents
      begin select raise(abort, 'sealed documents are immutable'); end`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`drop trigger certificate_documents_immutable on certificate_documents`.execute(db);
    await sql`drop function refuse_sealed_document_update()`.execute(db);
  } else {
    await sql`drop trigger certificate_documents_immutable`.execute(db);
  }
}
