import { sql, type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());
  const flag = (table: CreateTableBuilder<any, any>, name: string) =>
    table.addColumn(name, 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`${sql.ref(name)} in (0, 1)`),
    );
  const isoDate = (name: string) =>
    sql`${sql.ref(name)} like '____-__-__' and substr(${sql.ref(name)}, 6, 2) between '01' and '12' and substr(${sql.ref(name)}, 9, 2) between '01' and '31'`;
  // Portable "only digits": nothing is left once every digit is removed (SQLite has no regular expressions).
  const digitsOnly = (name: string) => sql`${sql.raw([...'0123456789'].reduce((inner, digit) => `replace(${inner}, '${digit}', '')`, name))} = ''`;

  await db.schema
    .createTable('school_years')
    .addColumn('start_year', 'integer', (c) => c.primaryKey().check(sql`start_year between 2000 and 2999`))
    .addColumn('basic_results_at', 'text', (c) => c.notNull())
    .addColumn('secondary_results_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('institutions')
    .addColumn('id', 'integer', id)
    .addColumn('registration_number', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(registration_number) = 10 and ${digitsOnly('registration_number')}`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('municipality', 'text')
    .execute();

  await db.schema
    .createTable('persons')
    .addColumn('id', 'integer', id)
    .addColumn('personal_code', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(personal_code) = 11 and ${digitsOnly('personal_code')}`),
    )
    .addColumn('first_name', 'text', (c) => c.notNull())
    .addColumn('last_name', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('candidates')
    .addColumn('id', 'integer', id)
    .addColumn('code', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`length(code) = 12 and ${digitsOnly('code')}`),
    )
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id'))
    .addColumn('school_year', 'integer', (c) => c.notNull().references('school_years.start_year'))
    .addColumn('institution_id', 'integer', (c) => c.notNull().references('institutions.id'))
    .addColumn('class_name', 'text')
    .execute();
  await db.schema.createIndex('candidates_person').on('candidates').column('person_id').execute();
  await db.schema.createIndex('candidates_institution').on('candidates').columns(['institution_id', 'school_year']).execute();

  await db.schema
    .createTable('exams')
    .addColumn('id', 'integer', id)
    .addColumn('school_year', 'integer', (c) => c.notNull().references('school_years.start_year'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('education', 'text', (c) => c.notNull().check(sql`education in ('basic', 'secondary')`))
    .addColumn('level', 'text', (c) => c.check(sql`level in ('general', 'optimal', 'higher')`))
    .addColumn('subject_lv', 'text', (c) => c.notNull())
    .addColumn('subject_lv_locative', 'text', (c) => c.notNull())
    .addColumn('subject_en', 'text', (c) => c.notNull())
    .addColumn('weighted_points_rule', 'text', (c) =>
      c
        .notNull()
        .defaultTo('exact')
        .check(sql`weighted_points_rule in ('exact', 'truncate')`),
    )
    .addUniqueConstraint('exams_year_code', ['school_year', 'code'])
    .addCheckConstraint('exams_level_by_education', sql`(education = 'basic') = (level is null)`)
    .execute();

  await db.schema
    .createTable('exam_parts')
    .addColumn('exam_id', 'integer', (c) => c.notNull().references('exams.id').onDelete('cascade'))
    .addColumn('part_no', 'integer', (c) => c.notNull().check(sql`part_no between 1 and 20`))
    .addColumn('max_points', 'integer', (c) => c.notNull().check(sql`max_points between 1 and 10000`))
    .addColumn('weight_numerator', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`weight_numerator > 0`),
    )
    .addColumn('weight_denominator', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(1)
        .check(sql`weight_denominator > 0`),
    )
    .addColumn('name_lv', 'text')
    .addColumn('name_en', 'text')
    .addPrimaryKeyConstraint('exam_parts_pk', ['exam_id', 'part_no'])
    .execute();

  await db.schema
    .createTable('exam_sessions')
    .addColumn('id', 'integer', id)
    .addColumn('exam_id', 'integer', (c) => c.notNull().references('exams.id'))
    .addColumn('term', 'text', (c) => c.notNull().check(sql`term in ('main', 'additional')`))
    .addColumn('starts_on', 'text', (c) => c.notNull().check(isoDate('starts_on')))
    .addColumn('ends_on', 'text', (c) => c.notNull().check(isoDate('ends_on')))
    .addUniqueConstraint('exam_sessions_exam_term_day', ['exam_id', 'term', 'starts_on'])
    .addCheckConstraint('exam_sessions_order', sql`ends_on >= starts_on`)
    .execute();

  let registrations = db.schema
    .createTable('registrations')
    .addColumn('id', 'integer', id)
    .addColumn('session_id', 'integer', (c) => c.notNull().references('exam_sessions.id'))
    .addColumn('candidate_id', 'integer', (c) => c.notNull().references('candidates.id'))
    .addColumn('applied_at', 'text', (c) => c.notNull());
  registrations = flag(registrations, 'exempted');
  await registrations
    .addColumn('international_certificate', 'text')
    .addUniqueConstraint('registrations_one_per_session', ['session_id', 'candidate_id'])
    .execute();
  await db.schema.createIndex('registrations_candidate').on('registrations').column('candidate_id').execute();

  let sittings = db.schema
    .createTable('sittings')
    .addColumn('id', 'integer', id)
    // One sitting per registration, and registrations are one per candidate and session.
    .addColumn('registration_id', 'integer', (c) => c.notNull().unique().references('registrations.id'))
    .addColumn('took_part', 'text', (c) => c.notNull().check(sql`took_part in ('yes', 'no', 'partly')`));
  sittings = flag(sittings, 'support');
  sittings = flag(sittings, 'work_annulled');
  await sittings
    .addColumn('work_ref', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sitting_points')
    .addColumn('sitting_id', 'integer', (c) => c.notNull().references('sittings.id').onDelete('cascade'))
    .addColumn('part_no', 'integer', (c) => c.notNull().check(sql`part_no between 1 and 20`))
    .addColumn('points_hundredths', 'integer', (c) => c.notNull().check(sql`points_hundredths >= 0`))
    .addPrimaryKeyConstraint('sitting_points_pk', ['sitting_id', 'part_no'])
    .execute();

  await db.schema
    .createTable('certificates')
    .addColumn('id', 'integer', id)
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('sitting_id', 'integer', (c) => c.notNull().unique().references('sittings.id'))
    .addColumn('issued_on', 'text', (c) => c.notNull().check(isoDate('issued_on')))
    .addColumn('state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('issued')
        .check(sql`state in ('issued', 'annulled')`),
    )
    .addColumn('annulled_reason', 'text')
    .addColumn('annulled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addCheckConstraint(
      'certificates_annulment',
      sql`(state = 'issued' and annulled_at is null and annulled_reason is null)
        or (state = 'annulled' and annulled_at is not null and length(annulled_reason) > 0)`,
    )
    .execute();

  await db.schema
    .createTable('certificate_documents')
    .addColumn('certificate_id', 'integer', (c) => c.primaryKey().references('certificates.id'))
    .addColumn('edoc', pg ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`length(sha256) = 64`))
    .addColumn('sealed_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', id)
    .addColumn('subject', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('user_roles')
    .addColumn('id', 'integer', id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('agency', 'school')`))
    .addColumn('institution_id', 'integer', (c) => c.references('institutions.id'))
    .addCheckConstraint('user_roles_school_has_institution', sql`(role = 'school') = (institution_id is not null)`)
    .execute();
  await db.schema.createIndex('user_roles_user').on('user_roles').column('user_id').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'integer', id)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log',
    'user_roles',
    'users',
    'certificate_documents',
    'certificates',
    'sitting_points',
    'sittings',
    'registrations',
    'exam_sessions',
    'exam_parts',
    'exams',
    'candidates',
    'persons',
    'institutions',
    'school_years',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
