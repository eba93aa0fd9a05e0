import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Applying for the exams (seed 001: "by 15 December of the school year"):
 * - application windows: per school year and exam group (secondary students apply themselves, schools register
 *   their 9th graders, universities register external candidates), opening and closing moments set by the agency;
 * - applications: one per person, school year and institution, with the exams chosen (application lines, at most
 *   one level per subject and each subject once per person and school year, whichever institution applied), the
 *   basis a school records for a 9th grader, and the idempotency keys of every accepted submission, so a retried
 *   POST is answered, never applied twice;
 * - the change history shown to the student (who, when, what, and the reason of a change after the window);
 * - what a school or university records beside the exams: support measures, exemptions and international
 *   certificates replacing a foreign-language exam;
 * - one candidate code per person, school year and institution (the register's upserts rely on it), and the start
 *   time of each exam session ("all exams begin at 10.00", seed 001) for the statement of entry.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());
  const isoDate = (name: string) => sql`${sql.ref(name)} like '____-__-__'`;
  const examGroup = (name: string) => sql`${sql.ref(name)} in ('secondary', 'basic', 'external')`;

  await db.schema
    .alterTable('exam_sessions')
    .addColumn('start_time', 'text', (c) =>
      c
        .notNull()
        .defaultTo('10:00')
        .check(sql`start_time like '__:__' and start_time between '00:00' and '23:59'`),
    )
    .execute();

  await db.schema
    .createTable('application_windows')
    .addColumn('school_year', 'integer', (c) => c.notNull().references('school_years.start_year'))
    .addColumn('exam_group', 'text', (c) => c.notNull().check(examGroup('exam_group')))
    .addColumn('opens_at', 'text', (c) => c.notNull())
    .addColumn('closes_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('application_windows_pk', ['school_year', 'exam_group'])
    .addCheckConstraint('application_windows_order', sql`closes_at > opens_at`)
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('id', 'integer', id)
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id'))
    .addColumn('school_year', 'integer', (c) => c.notNull().references('school_years.start_year'))
    .addColumn('institution_id', 'integer', (c) => c.notNull().references('institutions.id'))
    // The person's candidate code at that institution for that year, created with the application if new.
    .addColumn('candidate_id', 'integer', (c) => c.notNull().references('candidates.id'))
    .addColumn('exam_group', 'text', (c) => c.notNull().check(examGroup('exam_group')))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('submitted', 'checked', 'registered', 'withdrawn')`))
    // A 9th grader's registration rests on an application: the student's, a legal representative's, or the
    // official's responsible for an imprisoned student's resocialisation; with its date. Null for the others.
    .addColumn('basis', 'text', (c) => c.check(sql`basis in ('student', 'representative', 'official')`))
    .addColumn('basis_date', 'text', (c) => c.check(isoDate('basis_date')))
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    // The key of the form that created it: a retried first submission finds it.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addUniqueConstraint('applications_one_per_institution_year', ['person_id', 'school_year', 'institution_id'])
    .addCheckConstraint('applications_basis_date', sql`(basis is null) = (basis_date is null)`)
    .execute();
  await db.schema.createIndex('applications_institution').on('applications').columns(['institution_id', 'school_year', 'status']).execute();
  await db.schema.createIndex('applications_submitted').on('applications').columns(['school_year', 'submitted_at']).execute();

  await db.schema
    .createTable('application_lines')
    .addColumn('id', 'integer', id)
    .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    // Copied from the application so the database itself keeps each subject once per person and school year.
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id'))
    .addColumn('school_year', 'integer', (c) => c.notNull())
    .addColumn('exam_id', 'integer', (c) => c.notNull().references('exams.id'))
    // The subject the exam belongs to (its code's first three letters: LAT, MAT, ANG …); one level of it only.
    .addColumn('subject', 'text', (c) => c.notNull().check(sql`length(subject) = 3`))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('application_lines_subject_once_per_year', ['person_id', 'school_year', 'subject'])
    .execute();
  await db.schema.createIndex('application_lines_application').on('application_lines').column('application_id').execute();

  await db.schema
    .createTable('application_requests')
    // Every accepted submission's idempotency key: a retry of any of them is answered with what it did.
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('application_changes')
    .addColumn('id', 'integer', id)
    .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('at', 'text', (c) => c.notNull())
    // Who, as shown to the student: "Inese Ozoliņa (Rīgas 1. vidusskola)"; never a personal code.
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull().check(sql`actor_kind in ('student', 'school', 'university', 'agency')`))
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('submitted', 'changed', 'withdrawn', 'checked', 'registered')`))
    // JSON: { added: [exam codes], removed: [...], levels: [[from, to]] }.
    .addColumn('details', 'text')
    // A change after the window closed (agency staff only) must say why.
    .addColumn('late', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`late in (0, 1)`),
    )
    .addColumn('reason', 'text')
    .addCheckConstraint('application_changes_late_reason', sql`late = 0 or length(trim(reason)) > 0`)
    .execute();
  await db.schema.createIndex('application_changes_application').on('application_changes').columns(['application_id', 'at']).execute();

  await db.schema
    .createTable('support_measures')
    .addColumn('id', 'integer', id)
    .addColumn('application_id', 'integer', (c) => c.notNull().references('applications.id').onDelete('cascade'))
    .addColumn('measure', 'text', (c) => c.notNull().check(sql`measure in ('extra-time-30', 'extra-time-50', 'reader', 'scribe', 'separate-room', 'other')`))
    .addColumn('note', 'text')
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('support_measures_once', ['application_id', 'measure'])
    .execute();

  await db.schema
    .createTable('exemptions')
    .addColumn('id', 'integer', id)
    .addColumn('line_id', 'integer', (c) => c.notNull().unique().references('application_lines.id').onDelete('cascade'))
    // The school head's order and the specialist's statement it rests on.
    .addColumn('order_number', 'text', (c) => c.notNull().check(sql`length(trim(order_number)) > 0`))
    .addColumn('order_date', 'text', (c) => c.notNull().check(isoDate('order_date')))
    .addColumn('specialist_statement', 'text', (c) => c.notNull().check(sql`length(trim(specialist_statement)) > 0`))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('international_certificates')
    .addColumn('id', 'integer', id)
    .addColumn('line_id', 'integer', (c) => c.notNull().unique().references('application_lines.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(trim(name)) > 0`))
    .addColumn('cefr_level', 'text', (c) => c.notNull().check(sql`cefr_level in ('A1', 'A2', 'B1', 'B2', 'C1', 'C2')`))
    .addColumn('number', 'text', (c) => c.notNull().check(sql`length(trim(number)) > 0`))
    .addColumn('valid_from', 'text', (c) => c.check(isoDate('valid_from')))
    // Null: it does not expire.
    .addColumn('valid_until', 'text', (c) => c.check(isoDate('valid_until')))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'international_certificates',
    'exemptions',
    'support_measures',
    'application_changes',
    'application_requests',
    'application_lines',
    'applications',
    'application_windows',
  ]) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('exam_sessions').dropColumn('start_time').execute();
}
