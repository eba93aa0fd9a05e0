import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Reports ordered by staff: a queue kept in the database (so any instance can take a job and a restart loses
 * none), and the finished files themselves in chunks (so any instance can serve the download, in bounded memory).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('report_jobs')
    .addColumn('id', 'integer', id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The institution the report is about; null only for agency staff asking for all institutions.
    .addColumn('institution_id', 'integer', (c) => c.references('institutions.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('institution-results', 'applications', 'graduates', 'postal-list')`))
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('xlsx', 'csv')`))
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed', 'expired')`))
    .addColumn('rows_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_total', 'integer')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Why a job failed, as a message key the list translates (never a stack trace).
    .addColumn('failure', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    // A running job's lease: whoever runs it renews this; a lapsed lease means its runner is gone.
    .addColumn('lease_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('file_name', 'text')
    .addColumn('file_size', 'integer')
    .addColumn('expires_at', 'text')
    .execute();
  await db.schema.createIndex('report_jobs_queue').on('report_jobs').columns(['status', 'requested_at']).execute();
  await db.schema.createIndex('report_jobs_user').on('report_jobs').columns(['user_id', 'requested_at']).execute();

  await db.schema
    .createTable('report_file_chunks')
    .addColumn('job_id', 'integer', (c) => c.notNull().references('report_jobs.id').onDelete('cascade'))
    .addColumn('chunk_no', 'integer', (c) => c.notNull())
    .addColumn('data', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_file_chunks_pk', ['job_id', 'chunk_no'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('report_file_chunks').execute();
  await db.schema.dropTable('report_jobs').execute();
}
