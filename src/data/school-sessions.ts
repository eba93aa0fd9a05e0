/**
 * "Organisation > Exam sessions" for staff: the sessions in which an institution has registrations, with counts,
 * and one session as staff may see it. `institutionId` null means every institution (agency staff); any other
 * value narrows every query to that institution's candidates, in the SQL itself.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SessionExam {
  id: number;
  examId: number;
  examCode: string;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subjectLvLocative: string;
  subjectEn: string;
  schoolYear: number;
  term: 'main' | 'additional';
  startsOn: string;
  endsOn: string;
}

/** The columns of a SessionExam, selected from exam_sessions joined with exams. */
const SESSION_EXAM_COLUMNS = [
  'exam_sessions.id',
  'exams.id as examId',
  'exams.code as examCode',
  'exams.education',
  'exams.level',
  'exams.subject_lv_locative as subjectLvLocative',
  'exams.subject_en as subjectEn',
  'exams.school_year as schoolYear',
  'exam_sessions.term',
  'exam_sessions.starts_on as startsOn',
  'exam_sessions.ends_on as endsOn',
] as const;

export interface SessionCounts extends SessionExam {
  registered: number;
  tookPart: number;
  /** Certificates issued and annulled; null before the results are out to the one asking (a school). */
  issued: number | null;
  annulled: number | null;
  /** When the session's results (and certificates) open to students. */
  resultsAt: Date;
}

export interface StaffSession extends SessionExam {
  /** When the session's results (and certificates) open to students. */
  resultsAt: Date;
}

export interface InstitutionChoice {
  id: number;
  name: string;
  registrationNumber: string;
}

/** The school years in which the institution (or any, for null) has registrations, newest first. */
export async function sessionYears(db: Kysely<Database>, institutionId: number | null): Promise<number[]> {
  let query = db
    .selectFrom('candidates')
    .select('candidates.school_year')
    .distinct()
    .where((eb) => eb.exists(eb.selectFrom('registrations').select('registrations.id').whereRef('registrations.candidate_id', '=', 'candidates.id')))
    .orderBy('candidates.school_year', 'desc');
  if (institutionId !== null) query = query.where('candidates.institution_id', '=', institutionId);
  return (await query.execute()).map((r) => r.school_year);
}

// The moment an exam's results open, from exams joined with school_years (ISO-8601 UTC text, so it compares as text).
const RESULTS_AT = sql<string>`case when exams.education = 'basic' then school_years.basic_results_at else school_years.secondary_results_at end`;

/**
 * Sessions of one school year with the institution's registrations, by exam, with what became of them.
 * Certificates issued and annulled are results: before the release moment nobody outside the agency sees
 * anything of them, not even how many there are. `releasedAsOf` is a school's "now", compared with each
 * session's release moment (null for agency staff, who see everything at once); before that moment the
 * certificates are not even joined.
 */
export async function sessionsWithCounts(
  db: Kysely<Database>,
  filter: { institutionId: number | null; schoolYear: number; releasedAsOf: Date | null },
): Promise<SessionCounts[]> {
  const released = filter.releasedAsOf === null ? undefined : sql<SqlBool>`${RESULTS_AT} <= ${filter.releasedAsOf.toISOString()}`;
  const count = (state: 'issued' | 'annulled') => sql<number>`cast(count(case when certificates.state = ${state} then 1 end) as integer)`;
  const certificates = (state: 'issued' | 'annulled') => (released ? sql<number | null>`case when ${released} then ${count(state)} end` : count(state));
  let query = db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .leftJoin('certificates', (join) => {
      const onSitting = join.onRef('certificates.sitting_id', '=', 'sittings.id');
      return released ? onSitting.on(released) : onSitting;
    })
    .where('exams.school_year', '=', filter.schoolYear)
    .select([
      ...SESSION_EXAM_COLUMNS,
      RESULTS_AT.as('resultsAt'),
      sql<number>`cast(count(registrations.id) as integer)`.as('registered'),
      sql<number>`cast(count(case when sittings.took_part in ('yes', 'partly') then 1 end) as integer)`.as('tookPart'),
      certificates('issued').as('issued'),
      certificates('annulled').as('annulled'),
    ])
    .groupBy([
      'exam_sessions.id',
      'exams.id',
      'exams.code',
      'exams.education',
      'exams.level',
      'exams.subject_lv_locative',
      'exams.subject_en',
      'exams.school_year',
      'exam_sessions.term',
      'exam_sessions.starts_on',
      'exam_sessions.ends_on',
      'school_years.basic_results_at',
      'school_years.secondary_results_at',
    ])
    .orderBy('exams.education')
    .orderBy('exams.code')
    .orderBy('exam_sessions.term', 'desc')
    .orderBy('exam_sessions.starts_on');
  if (filter.institutionId !== null) query = query.where('candidates.institution_id', '=', filter.institutionId);
  return (await query.execute()).map(({ resultsAt, ...counts }) => ({ ...counts, resultsAt: new Date(resultsAt) }));
}

/**
 * The session, if the institution has registrations in it (agency staff without an institution: if it exists).
 * A session with none of the institution's candidates does not exist for that institution.
 */
export async function sessionInScope(db: Kysely<Database>, sessionId: number, institutionId: number | null): Promise<StaffSession | undefined> {
  let query = db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
    .where('exam_sessions.id', '=', sessionId)
    .select([
      ...SESSION_EXAM_COLUMNS,
      'school_years.basic_results_at as basicResultsAt',
      'school_years.secondary_results_at as secondaryResultsAt',
    ]);
  if (institutionId !== null) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('registrations')
          .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
          .select('registrations.id')
          .whereRef('registrations.session_id', '=', 'exam_sessions.id')
          .where('candidates.institution_id', '=', institutionId),
      ),
    );
  }
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  const { basicResultsAt, secondaryResultsAt, ...session } = row;
  return { ...session, resultsAt: new Date(session.education === 'basic' ? basicResultsAt : secondaryResultsAt) };
}

/** Institutions for the agency's selector: all of them, or those with registrations in one session. */
export async function institutionChoices(db: Kysely<Database>, sessionId?: number): Promise<InstitutionChoice[]> {
  let query = db
    .selectFrom('institutions')
    .select(['institutions.id', 'institutions.name', 'institutions.registration_number as registrationNumber'])
    .orderBy('institutions.name')
    .orderBy('institutions.id');
  if (sessionId !== undefined) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('registrations')
          .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
          .select('registrations.id')
          .where('registrations.session_id', '=', sessionId)
          .whereRef('candidates.institution_id', '=', 'institutions.id'),
      ),
    );
  }
  return query.execute();
}

export async function findInstitution(db: Kysely<Database>, institutionId: number): Promise<InstitutionChoice | undefined> {
  return db
    .selectFrom('institutions')
    .select(['id', 'name', 'registration_number as registrationNumber'])
    .where('id', '=', institutionId)
    .executeTakeFirst();
}
