/**
 * The release rule of src/domain/release.ts in SQL, for every query that shows results: the moment an exam's
 * results open, and the condition that they are open to a viewer. Results are filtered in the query itself, so
 * nothing of an unreleased result is even read for someone who may not see it yet.
 *
 * Both need `exams` and `school_years` joined. Release moments are stored as ISO-8601 UTC text, which compares
 * in time order as text on SQLite and PostgreSQL alike.
 */
import { sql, type Expression, type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import { preparedQueryOf } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';
import { schoolYearAt, seesUnreleasedResults, type ResultsViewer, type SchoolYearReleases } from '../domain/release.js';

/** The joined exam's release moment (releaseMomentOf): its school year's moment for the exam's education. */
export const examReleaseMoment: RawBuilder<string> = sql<string>`case when ${sql.ref('exams.education')} = 'basic' then ${sql.ref('school_years.basic_results_at')} else ${sql.ref('school_years.secondary_results_at')} end`;

/**
 * The joined exam's results are visible to `viewer` at `now` (resultsVisibleTo); undefined when the viewer sees
 * them whatever the moment, so the query needs no condition.
 */
export function releasedCondition(viewer: ResultsViewer, now: Date): Expression<SqlBool> | undefined {
  if (seesUnreleasedResults(viewer)) return undefined;
  return sql<SqlBool>`${examReleaseMoment} <= ${now.toISOString()}`;
}

/** Keeps only rows whose exam's results are visible to `viewer` at `now`; for `$call`. */
export function whereReleased(viewer: ResultsViewer, now: Date) {
  const condition = releasedCondition(viewer, now);
  return <DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O> =>
    condition === undefined ? query : query.where(condition);
}

/**
 * The release moments to announce at `now`, as the register holds them: those of the current school year, or,
 * before its year is in the register, of the latest school year before it. Undefined when the register has none.
 */
export async function announcedReleases(db: Kysely<Database>, now: Date): Promise<(SchoolYearReleases & { startYear: number }) | undefined> {
  const [row] = await latestSchoolYearUpTo(db, schoolYearAt(now));
  return row && { startYear: row.start_year, basic: new Date(row.basic_results_at), secondary: new Date(row.secondary_results_at) };
}

// Read for every home page, the first page of many on results day: prepared once (db/prepared.ts).
const latestSchoolYearUpTo = preparedQueryOf(
  (db: Kysely<Database>, startYear: number) =>
    db
      .selectFrom('school_years')
      // Named columns, not *: a named statement's result shape must not change under it when a migration adds one.
      .select(['start_year', 'basic_results_at', 'secondary_results_at'])
      .where('start_year', '<=', startYear)
      .orderBy('start_year', 'desc')
      .limit(1),
  1,
);

/** Every release moment the register holds (each school year's for basic and for secondary education), as stored. */
export async function releaseMoments(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('school_years').select(['basic_results_at', 'secondary_results_at']).execute();
  return [...new Set(rows.flatMap((row) => [row.basic_results_at, row.secondary_results_at]))];
}
