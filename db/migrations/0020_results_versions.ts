import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Versions of what a student's results page is made of, kept by the database itself so that every write moves
 * them, whichever code (an import, issuance, an annulment, the command line, a hand-made correction) makes it:
 *
 * - `persons.results_version`: one person's own data, moved by any change to their gender, candidacies,
 *   registrations, sittings, points or certificates;
 * - `results_catalogue_version`: one row for what many people share (exams, their parts and sessions, the
 *   release moments), moved by any change to the columns the page shows.
 *
 * A cached page is good exactly while both are what they were when it was rendered (src/web/results-cache.ts).
 */

/** How a row of each per-person table leads to its person, for the row alias `r` (NEW or OLD). */
const PERSON_OF: Record<string, (r: string) => string> = {
  persons: (r) => `${r}.id`,
  candidates: (r) => `${r}.person_id`,
  registrations: (r) => `(select c.person_id from candidates c where c.id = ${r}.candidate_id)`,
  sittings: (r) => `(select c.person_id from registrations g join candidates c on c.id = g.candidate_id where g.id = ${r}.registration_id)`,
  sitting_points: (r) =>
    `(select c.person_id from sittings s join registrations g on g.id = s.registration_id join candidates c on c.id = g.candidate_id where s.id = ${r}.sitting_id)`,
  certificates: (r) =>
    `(select c.person_id from sittings s join registrations g on g.id = s.registration_id join candidates c on c.id = g.candidate_id where s.id = ${r}.sitting_id)`,
};

/** The shared tables, and the columns of each the results page reads (other columns, e.g. job states, do not count). */
const CATALOGUE_COLUMNS: Record<string, string[]> = {
  school_years: ['basic_results_at', 'secondary_results_at'],
  exams: ['school_year', 'code', 'education', 'level', 'subject_lv', 'subject_lv_locative', 'subject_en', 'weighted_points_rule'],
  exam_parts: ['exam_id', 'part_no', 'max_points', 'weight_numerator', 'weight_denominator', 'name_lv', 'name_en'],
  exam_sessions: ['exam_id', 'term', 'starts_on', 'ends_on'],
};

const bumpPerson = (expression: string) => `update persons set results_version = results_version + 1 where id = ${expression};`;
const BUMP_CATALOGUE = 'update results_catalogue_version set version = version + 1;';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .alterTable('persons')
    .addColumn('results_version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('results_catalogue_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.insertInto('results_catalogue_version').values({ id: 1, version: 0 }).execute();

  for (const [table, personOf] of Object.entries(PERSON_OF)) {
    if (pg && table === 'persons') {
      // Only a change of the gender moves it, set on the row being written.
      await sql
        .raw(
          `create function results_version_persons() returns trigger language plpgsql as $$
          begin new.results_version := old.results_version + 1; return new; end $$`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger results_version_persons before update of gender on persons
           for each row when (old.gender is distinct from new.gender) execute function results_version_persons()`,
        )
        .execute(db);
    } else if (pg) {
      // One function per table; an update moves both the old and the new person (a row moved to someone else).
      await sql
        .raw(
          `create function results_version_${table}() returns trigger language plpgsql as $$
          begin
            if tg_op <> 'INSERT' then ${bumpPerson(personOf('old'))} end if;
            if tg_op <> 'DELETE' then ${bumpPerson(personOf('new'))} end if;
            return null;
          end $$`,
        )
        .execute(db);
      await sql
        .raw(`create trigger results_version_${table} after insert or update or delete on ${table} for each row execute function results_version_${table}()`)
        .execute(db);
    } else if (table === 'persons') {
      await sql
        .raw(
          `create trigger results_version_persons after update of gender on persons
           when old.gender is not new.gender begin ${bumpPerson('new.id')} end`,
        )
        .execute(db);
    } else {
      await sql.raw(`create trigger results_version_${table}_insert after insert on ${table} begin ${bumpPerson(personOf('new'))} end`).execute(db);
      await sql
        .raw(`create trigger results_version_${table}_update after update on ${table} begin ${bumpPerson(personOf('old'))} ${bumpPerson(personOf('new'))} end`)
        .execute(db);
      await sql.raw(`create trigger results_version_${table}_delete after delete on ${table} begin ${bumpPerson(personOf('old'))} end`).execute(db);
    }
  }

  if (pg) {
    await sql.raw(`create function results_catalogue_changed() returns trigger language plpgsql as $$ begin ${BUMP_CATALOGUE} return null; end $$`).execute(db);
  }
  for (const [table, columns] of Object.entries(CATALOGUE_COLUMNS)) {
    if (pg) {
      await sql
        .raw(
          `create trigger results_catalogue_${table} after insert or delete or update of ${columns.join(', ')} on ${table}
           for each statement execute function results_catalogue_changed()`,
        )
        .execute(db);
    } else {
      for (const event of ['insert', 'delete', `update of ${columns.join(', ')}`]) {
        const name = `results_catalogue_${table}_${event.split(' ')[0]}`;
        await sql.raw(`create trigger ${name} after ${event} on ${table} begin ${BUMP_CATALOGUE} end`).execute(db);
      }
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  for (const table of Object.keys(CATALOGUE_COLUMNS)) {
    if (pg) await sql.raw(`drop trigger results_catalogue_${table} on ${table}`).execute(db);
    else for (const event of ['insert', 'delete', 'update']) await sql.raw(`drop trigger results_catalogue_${table}_${event}`).execute(db);
  }
  if (pg) await sql`drop function results_catalogue_changed()`.execute(db);
  for (const table of Object.keys(PERSON_OF)) {
    if (pg) {
      await sql.raw(`drop trigger results_version_${table} on ${table}`).execute(db);
      await sql.raw(`drop function results_version_${table}()`).execute(db);
    } else if (table === 'persons') await sql`drop trigger results_version_persons`.execute(db);
    else for (const event of ['insert', 'update', 'delete']) await sql.raw(`drop trigger results_version_${table}_${event}`).execute(db);
  }
  await db.schema.dropTable('results_catalogue_version').execute();
  await db.schema.alterTable('persons').dropColumn('results_version').execute();
}
