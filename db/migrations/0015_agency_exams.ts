import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * The agency's workspace: every score file loaded (the import history, and the file itself between its preview
 * and its saving), and the issuance queue (issue and seal one exam session's certificates), leased like reports.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('score_uploads')
    .addColumn('id', 'integer', id)
    .addColumn('session_id', 'integer', (c) => c.notNull().references('exam_sessions.id').onDelete('cascade'))
    // Who loaded it, as the audit log names them; the staff user too when it came through the pages.
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('file_size', 'integer', (c) => c.notNull())
    // The file between its preview and its saving, removed once saved or expired.
    .addColumn('content', pg ? 'bytea' : 'blob')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('previewed', 'refused', 'saved', 'expired')`))
    .addColumn('rows_new', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_changed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_unchanged', 'integer', (c) => c.notNull().defaultTo(0))
    // The problems found, as JSON message keys with their row and column (never translated text).
    .addColumn('problems', 'text')
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'text')
    .addColumn('expires_at', 'text')
    .execute();
  await db.schema.createIndex('score_uploads_session').on('score_uploads').columns(['session_id', 'uploaded_at']).execute();

  await db.schema
    .createTable('issuance_jobs')
    .addColumn('id', 'integer', id)
    .addColumn('session_id', 'integer', (c) => c.notNull().references('exam_sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('issued', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0))
    // Certificates that could not be sealed in the last attempt: JSON [{ number, reason }].
    .addColumn('failures', 'text')
    // Why the whole job failed, as a message key.
    .addColumn('failure', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('claimed_by', 'text')
    .execute();
  await db.schema.createIndex('issuance_jobs_queue').on('issuance_jobs').columns(['status', 'requested_at']).execute();
  await db.schema.createIndex('issuance_jobs_session').on('issuance_jobs').columns(['session_id', 'requested_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('issuance_jobs').execute();
  await db.schema.dropTable('score_uploads').execute();
}
