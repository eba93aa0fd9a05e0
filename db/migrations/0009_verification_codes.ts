import { sql, type Kysely } from 'kysely';
import { createCurrentDocumentsView } from './0008_document_versions.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * A sealed document may carry a verification code, printed on it so that whoever holds it can confirm it without
 * the holder's personal code. The register keeps only the code's SHA-256 (with the certificate number), beside
 * the document it is printed in and written in the same insert; documents sealed before have none and are
 * checked by personal code as before.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropView('current_certificate_documents').execute();
  await db.schema
    .alterTable('certificate_documents')
    .addColumn('verification_code_hash', 'text', (c) => c.check(sql`verification_code_hash is null or length(verification_code_hash) = 64`))
    .execute();
  await createCurrentDocumentsView(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropView('current_certificate_documents').execute();
  await db.schema.alterTable('certificate_documents').dropColumn('verification_code_hash').execute();
  await createCurrentDocumentsView(db);
}
