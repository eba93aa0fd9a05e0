import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * The agency's workspace in the browser:
 * - agency administrators: an agency role that may also manage staff and their roles (a flag on the agency role;
 *   a school role can never carry it);
 * - annulment by two people: a request with its reason, decided by a second member of agency staff, never by
 *   the one who asked (the database refuses that too), at most one open request per certificate;
 * - the audit trail exported through the report queue: a fifth report type.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .alterTable('user_roles')
    .addColumn('administrator', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`administrator = 0 or (administrator = 1 and role = 'agency')`),
    )
    .execute();

  await db.schema
    .createTable('annulment_requests')
    .addColumn('id', 'integer', id)
    .addColumn('certificate_id', 'integer', (c) => c.notNull().references('certificates.id'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`length(trim(reason)) > 0`))
    .addColumn('requested_by', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'confirmed', 'rejected')`))
    .addColumn('decided_by', 'integer', (c) => c.references('users.id'))
    .addColumn('decided_at', 'text')
    .addCheckConstraint('annulment_requests_decision', sql`(status = 'pending') = (decided_by is null) and (decided_by is null) = (decided_at is null)`)
    .addCheckConstraint('annulment_requests_second_person', sql`decided_by is null or decided_by <> requested_by`)
    .execute();
  await db.schema
    .createIndex('annulment_requests_one_open')
    .on('annulment_requests')
    .column('certificate_id')
    .unique()
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema.createIndex('annulment_requests_status').on('annulment_requests').columns(['status', 'requested_at']).execute();

  await allowReportTypes(db, ['institution-results', 'applications', 'graduates', 'postal-list', 'audit-trail']);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from report_jobs where type = 'audit-trail'`.execute(db);
  await allowReportTypes(db, ['institution-results', 'applications', 'graduates', 'postal-list']);
  await db.schema.dropTable('annulment_requests').execute();
  await db.schema.alterTable('user_roles').dropColumn('administrator').execute();
}

/**
 * Changes the report types `report_jobs.type` allows. PostgreSQL swaps the check constraint; SQLite cannot alter
 * one, so the queue and its file chunks are rebuilt under the same names (the chunks first moved to a table that
 * refers to the new queue, so dropping the old queue cascades to nothing).
 */
async function allowReportTypes(db: Kysely<any>, types: readonly string[]): Promise<void> {
  const allowed = sql.join(types.map((type) => sql.lit(type)));
  if (isPostgres(db)) {
    await sql`alter table report_jobs drop constraint report_jobs_type_check`.execute(db);
    await sql`alter table report_jobs add constraint report_jobs_type_check check (type in (${allowed}))`.execute(db);
    return;
  }
  await db.schema
    .createTable('report_jobs_rebuilt')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('institution_id', 'integer', (c) => c.references('institutions.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in (${allowed})`))
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('xlsx', 'csv')`))
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('queued', 'running', 'done', 'failed', 'expired')`))
    .addColumn('rows_done', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_total', 'integer')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failure', 'text')
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('file_name', 'text')
    .addColumn('file_size', 'integer')
    .addColumn('expires_at', 'text')
    .execute();
  await sql`insert into report_jobs_rebuilt select id, user_id, institution_id, type, format, parameters, status, rows_done, rows_total,
    attempts, failure, requested_at, started_at, finished_at, lease_until, claimed_by, file_name, file_size, expires_at from report_jobs`.execute(db);
  await db.schema
    .createTable('report_file_chunks_rebuilt')
    .addColumn('job_id', 'integer', (c) => c.notNull().references('report_jobs_rebuilt.id').onDelete('cascade'))
    .addColumn('chunk_no', 'integer', (c) => c.notNull())
    .addColumn('data', 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('report_file_chunks_pk', ['job_id', 'chunk_no'])
    .execute();
  await sql`insert into report_file_chunks_rebuilt select job_id, chunk_no, data from report_file_chunks`.execute(db);
  await db.schema.dropTable('report_file_chunks').execute();
  await db.schema.dropTable('report_jobs').execute();
  // Renaming also rewrites the chunks' reference to the new name (SQLite 3.26+, without legacy_alter_table).
  await db.schema.alterTable('report_jobs_rebuilt').renameTo('report_jobs').execute();
  await db.schema.alterTable('report_file_chunks_rebuilt').renameTo('report_file_chunks').execute();
  await db.schema.createIndex('report_jobs_queue').on('report_jobs').columns(['status', 'requested_at']).execute();
  await db.schema.createIndex('report_jobs_user').on('report_jobs').columns(['user_id', 'requested_at']).execute();
}
