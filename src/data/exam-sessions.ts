/**
 * Exam sessions ("norises"): one sitting of one exam in a school year, in the main or the additional term. What
 * the command line, the staff pages and the report form ask about them, and the lock that serialises work on one.
 *
 * `institutionId` null means every institution (agency staff); any other value narrows the query to that
 * institution's candidates, in the SQL itself. A session with none of the institution's candidates does not
 * exist for that institution, and one that nobody registered for is in no institution's scope.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ResultsViewer } from '../domain/release.js';
import { examParts, type ExamWithParts } from './catalogue.js';
import { examReleaseMoment, releasedCondition } from './release.js';

/** An exam session with what names its exam, as lists and headings show it. */
export interface ExamSession {
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
  /** When the session's results (and certificates) open to students and schools. */
  resultsAt: Date;
}

/** The columns of an ExamSession but `resultsAt`, from exam_sessions joined with exams. */
const EXAM_SESSION_COLUMNS = [
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

function withResultsAt<T extends { resultsAt: string }>(row: T): Omit<T, 'resultsAt'> & { resultsAt: Date } {
  return { ...row, resultsAt: new Date(row.resultsAt) };
}

/** Exam sessions joined with their exam and its school year, so that every ExamSession column can be selected. */
function examSessionsWithExam(db: Kysely<Database>) {
  return db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .innerJoin('school_years', 'school_years.start_year', 'exams.school_year');
}

/** Whether the exam session has registrations of the institution's candidates (of anyone's, for null). */
function hasRegistrationsOf(institutionId: number | null) {
  return (eb: ExpressionBuilder<Database, 'exam_sessions'>) =>
    eb.exists(
      eb
        .selectFrom('registrations')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .select('registrations.id')
        .whereRef('registrations.session_id', '=', 'exam_sessions.id')
        .$if(institutionId !== null, (q) => q.where('candidates.institution_id', '=', institutionId!)),
    );
}

// ---- The agency's command line ----

export interface ExamSessionSummary {
  id: number;
  schoolYear: number;
  examCode: string;
  term: 'main' | 'additional';
  startsOn: string;
  endsOn: string;
  registered: number;
  scored: number;
  certificates: number;
}

/** Exam sessions with how many are registered, scored and certified: what staff need to pick a session. */
export async function listExamSessions(db: Kysely<Database>, filter: { year?: number; examCode?: string }): Promise<ExamSessionSummary[]> {
  let query = db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .leftJoin('registrations', 'registrations.session_id', 'exam_sessions.id')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .select([
      'exam_sessions.id',
      'exams.school_year as schoolYear',
      'exams.code as examCode',
      'exam_sessions.term',
      'exam_sessions.starts_on as startsOn',
      'exam_sessions.ends_on as endsOn',
      sql<number>`cast(count(registrations.id) as integer)`.as('registered'),
      sql<number>`cast(count(sittings.id) as integer)`.as('scored'),
      sql<number>`cast(count(certificates.id) as integer)`.as('certificates'),
    ])
    .groupBy(['exam_sessions.id', 'exams.school_year', 'exams.code', 'exam_sessions.term', 'exam_sessions.starts_on', 'exam_sessions.ends_on'])
    .orderBy('exams.school_year')
    .orderBy('exam_sessions.starts_on')
    .orderBy('exams.code');
  if (filter.year !== undefined) query = query.where('exams.school_year', '=', filter.year);
  if (filter.examCode) query = query.where('exams.code', '=', filter.examCode.toUpperCase());
  return query.execute();
}

// ---- Scoring, issuing and reports: a session with its exam's full definition ----

export interface ExamSessionWithExam {
  id: number;
  term: 'main' | 'additional';
  startsOn: string;
  endsOn: string;
  /** When the session's results open to students and schools. */
  resultsAt: Date;
  exam: ExamWithParts;
}

export async function findExamSessionWithExam(db: Kysely<Database>, sessionId: number): Promise<ExamSessionWithExam | undefined> {
  const session = await examSessionsWithExam(db)
    .select(['exam_sessions.id', 'exam_sessions.exam_id as examId', 'exam_sessions.term', 'exam_sessions.starts_on as startsOn', 'exam_sessions.ends_on as endsOn', examReleaseMoment.as('resultsAt')])
    .where('exam_sessions.id', '=', sessionId)
    .executeTakeFirst();
  if (!session) return undefined;
  const exam = await db.selectFrom('exams').selectAll().where('id', '=', session.examId).executeTakeFirstOrThrow();
  return {
    id: session.id,
    term: session.term,
    startsOn: session.startsOn,
    endsOn: session.endsOn,
    resultsAt: new Date(session.resultsAt),
    exam: { ...exam, parts: await examParts(db, exam.id) },
  };
}

/**
 * Serialises work on one exam session (imports, issuance) across connections and instances: a no-op update
 * takes the row lock on PostgreSQL and the write lock on SQLite, until the transaction ends.
 */
export async function lockExamSession(trx: Kysely<Database>, sessionId: number): Promise<boolean> {
  const result = await trx.updateTable('exam_sessions').set((eb) => ({ id: eb.ref('id') })).where('id', '=', sessionId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- Staff pages ("Organisation > Exam sessions") and the report form ----

export interface ExamSessionCounts extends ExamSession {
  registered: number;
  tookPart: number;
  /** Certificates issued and annulled; null before the results are out to the one asking (a school). */
  issued: number | null;
  annulled: number | null;
}

/** The school years in which the institution (or any, for null) has registrations, newest first. */
export async function examSessionYears(db: Kysely<Database>, institutionId: number | null): Promise<number[]> {
  let query = db
    .selectFrom('candidates')
    .select('candidates.school_year')
    .distinct()
    .where((eb) => eb.exists(eb.selectFrom('registrations').select('registrations.id').whereRef('registrations.candidate_id', '=', 'candidates.id')))
    .orderBy('candidates.school_year', 'desc');
  if (institutionId !== null) query = query.where('candidates.institution_id', '=', institutionId);
  return (await query.execute()).map((r) => r.school_year);
}

/**
 * Exam sessions of one school year with the institution's registrations, by exam, with what became of them.
 * Certificates issued and annulled are results: nobody but the agency sees anything of them before the release
 * moment, not even how many there are; until then the certificates are not even joined.
 */
export async function examSessionsWithCounts(
  db: Kysely<Database>,
  filter: { institutionId: number | null; schoolYear: number; viewer: ResultsViewer; now: Date },
): Promise<ExamSessionCounts[]> {
  const released = releasedCondition(filter.viewer, filter.now);
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
      ...EXAM_SESSION_COLUMNS,
      examReleaseMoment.as('resultsAt'),
      sql<number>`cast(count(registrations.id) as integer)`.as('registered'),
      sql<number>`cast(count(case when sittings.took_part in ('yes', 'partly') then 1 end) as integer)`.as('tookPart'),
      certificates('issued').as('issued'),
      certificates('annulled').as('annulled'),
    ])
    // The school year's primary key stands for its release moments, which the release condition reads.
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
      'school_years.start_year',
    ])
    .orderBy('exams.education')
    .orderBy('exams.code')
    .orderBy('exam_sessions.term', 'desc')
    .orderBy('exam_sessions.starts_on');
  if (filter.institutionId !== null) query = query.where('candidates.institution_id', '=', filter.institutionId);
  return (await query.execute()).map(withResultsAt);
}

/** The exam session, if it is in the institution's scope (see above); undefined for any other id. */
export async function examSessionInScope(db: Kysely<Database>, sessionId: number, institutionId: number | null): Promise<ExamSession | undefined> {
  const row = await examSessionsWithExam(db)
    .where('exam_sessions.id', '=', sessionId)
    .where(hasRegistrationsOf(institutionId))
    .select([...EXAM_SESSION_COLUMNS, examReleaseMoment.as('resultsAt')])
    .executeTakeFirst();
  return row && withResultsAt(row);
}

/** The exam sessions in the institution's scope (every session with registrations, for null), newest first. */
export async function examSessionChoices(db: Kysely<Database>, institutionId: number | null): Promise<ExamSession[]> {
  const rows = await examSessionsWithExam(db)
    .where(hasRegistrationsOf(institutionId))
    .select([...EXAM_SESSION_COLUMNS, examReleaseMoment.as('resultsAt')])
    .orderBy('exams.school_year', 'desc')
    .orderBy('exams.education')
    .orderBy('exam_sessions.starts_on')
    .orderBy('exams.code')
    .execute();
  return rows.map(withResultsAt);
}
