/**
 * The rows of the staff reports, read in keyset-paginated batches: memory stays bounded whatever the size, and the
 * same SQL runs on SQLite and PostgreSQL. Every query is narrowed to the institution the report is about, so a
 * school's report holds its own candidates only; `institutionId` null means all institutions (agency staff only:
 * the caller decides who may ask for that).
 *
 * Results (percentages, certificates) appear only as the report's viewer may see them at its `now`: a school's
 * report once they are released, as the students see them; the agency's whatever the release moment.
 *
 * The batches are not one snapshot: a row that changes while a report runs may show either state, but keyset
 * paging never repeats or skips a row that exists throughout.
 */
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database, Exam, ExamPart } from '../../db/schema.js';
import type { ExamNaming } from '../domain/exam-title.js';
import { resultsVisibleTo, type ResultsViewer } from '../domain/release.js';
import { rigaDay } from '../domain/riga-time.js';
import { scoreExam, type ExamScore } from '../domain/scoring.js';
import { examSubject, subjectGroup } from '../domain/subject-groups.js';
import { examParts, groupPointsBySitting, scoringDefinition } from './catalogue.js';
import { certificatesWithHolder } from './certificate-facts.js';
import type { ExamSessionWithExam } from './exam-sessions.js';
import { examReleaseMoment, whereReleased } from './release.js';

export const REPORT_BATCH_ROWS = 1000;

type Db = Kysely<Database>;

async function pointsBySitting(db: Db, sittingIds: number[]): Promise<Map<number, number[]>> {
  if (sittingIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('sitting_points')
    .select(['sitting_id', 'points_hundredths'])
    .where('sitting_id', 'in', sittingIds)
    .orderBy('sitting_id')
    .orderBy('part_no')
    .execute();
  return groupPointsBySitting(rows);
}

/** Percentages as every other page computes them; undefined unless every part of the exam has points. */
function scoreOf(exam: Pick<Exam, 'weighted_points_rule'>, parts: ExamPart[], points: number[] | undefined): ExamScore | undefined {
  if (parts.length === 0 || points?.length !== parts.length) return undefined;
  return scoreExam(scoringDefinition(exam, parts), points);
}

/**
 * The institution condition of a query run once per batch, written so that SQLite does not drive it by the
 * institution's index (a unary plus hides the column from it): that plan reads the whole institution again for
 * every batch, while walking the key (or the batch's people) reads each row once. PostgreSQL plans by cost.
 */
function candidateOfInstitution(institutionId: number) {
  return sql<SqlBool>`+${sql.ref('candidates.institution_id')} = ${institutionId}`;
}

export function examNaming(exam: Pick<Exam, 'education' | 'level' | 'subject_lv_locative' | 'subject_en' | 'school_year'>): ExamNaming {
  return { education: exam.education, level: exam.level, subjectLvLocative: exam.subject_lv_locative, subjectEn: exam.subject_en, schoolYear: exam.school_year };
}

// ---------------------------------------------------------------------------------------------------------------
// "Izglītības iestādes pārbaudījuma rezultāti": one row per registration of the institution in one exam session.

export interface InstitutionResultsScope {
  institutionId: number | null;
  sessionId: number;
}

export interface InstitutionResultRow {
  personalCode: string;
  firstName: string;
  lastName: string;
  className: string | null;
  candidateCode: string;
  /**
   * Undefined when there is no result to show: absent, exempted, work annulled, or not (fully) scored yet. The
   * cells stay empty then, not 0 %: a zero would read as a result.
   */
  score: ExamScore | undefined;
  /** Whether the candidate came (taking part partly counts; exempted is "no"); null while nothing is recorded. */
  attended: boolean | null;
  internationalCertificate: string | null;
  /** Only an issued certificate: an annulled one is no longer the candidate's certificate. */
  certificateNumber: string | null;
}

function sessionRegistrations(db: Db, scope: InstitutionResultsScope) {
  return db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('registrations.session_id', '=', scope.sessionId)
    .$if(scope.institutionId !== null, (q) => q.where('candidates.institution_id', '=', scope.institutionId!));
}

export async function countInstitutionResults(db: Db, scope: InstitutionResultsScope): Promise<number> {
  const row = await sessionRegistrations(db, scope)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function* institutionResultRows(
  db: Db,
  scope: { institutionId: number | null; session: ExamSessionWithExam; viewer: ResultsViewer; now: Date },
  batchSize = REPORT_BATCH_ROWS,
): AsyncGenerator<InstitutionResultRow[]> {
  const { exam } = scope.session;
  const resultsShown = resultsVisibleTo(scope.viewer, scope.session.resultsAt, scope.now);
  const registrations = sessionRegistrations(db, { institutionId: scope.institutionId, sessionId: scope.session.id });
  let after = 0;
  for (;;) {
    // Keyed by candidate: a candidate registers once per session, and the (session, candidate) index gives the order.
    const rows = await registrations
      .innerJoin('persons', 'persons.id', 'candidates.person_id')
      .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .where('registrations.candidate_id', '>', after)
      .orderBy('registrations.candidate_id')
      .limit(batchSize)
      .select([
        'registrations.candidate_id as candidateId',
        'registrations.exempted',
        'registrations.international_certificate as internationalCertificate',
        'persons.personal_code as personalCode',
        'persons.first_name as firstName',
        'persons.last_name as lastName',
        'candidates.class_name as className',
        'candidates.code as candidateCode',
        'sittings.id as sittingId',
        'sittings.took_part as tookPart',
        'sittings.work_annulled as workAnnulled',
        'certificates.number as certificateNumber',
        'certificates.state as certificateState',
      ])
      .execute();
    if (rows.length === 0) return;
    const points = await pointsBySitting(db, rows.flatMap((r) => (r.sittingId === null ? [] : [r.sittingId])));
    yield rows.map((r) => {
      const hasResult = r.sittingId !== null && r.exempted === 0 && r.tookPart !== 'no' && r.workAnnulled === 0;
      return {
        personalCode: r.personalCode,
        firstName: r.firstName,
        lastName: r.lastName,
        className: r.className,
        candidateCode: r.candidateCode,
        score: hasResult && resultsShown ? scoreOf(exam, exam.parts, points.get(r.sittingId!)) : undefined,
        attended: r.tookPart === null ? (r.exempted === 1 ? false : null) : r.tookPart !== 'no',
        internationalCertificate: r.internationalCertificate,
        certificateNumber: r.certificateState === 'issued' && resultsShown ? r.certificateNumber : null,
      };
    });
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.candidateId;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// "CE kārtotāju pieteikumu pārskats": applications made in a period, one row per candidate (a person at one
// institution in one school year), with the certificate issued for each subject.

export interface ApplicationsScope {
  institutionId: number | null;
  /** ISO instants, both inclusive, compared with registrations.applied_at (when each exam was applied for). */
  from: string;
  to: string;
  /** Who the report is for, and when: certificates only of results they may see by then. */
  viewer: ResultsViewer;
  now: Date;
}

/** A subject outside the three groups, which has a column of its own. */
export interface ApplicationSubject {
  subject: string;
  nameLv: string;
  nameEn: string;
}

export interface ApplicationRow {
  lastName: string;
  firstName: string;
  className: string | null;
  /**
   * The person's candidate codes at this institution, in any school year (a person may hold several); codes held
   * at other schools are their records, and stay out.
   */
  candidateCodes: string[];
  institutionName: string;
  /** Issued certificate numbers by column: a subject group ("latvian", …) or a subject of its own ("BIO"). */
  certificates: Map<string, string[]>;
}

/** The applications-report column an exam's certificate goes in. */
function applicationColumn(examCode: string): string {
  return subjectGroup(examCode) ?? examSubject(examCode);
}

function applicationsIn(db: Db, scope: ApplicationsScope, paged = false) {
  const { institutionId } = scope;
  // The period is when each exam was applied for: an application (src/data/applications.ts) registers its exams with
  // the moment it was submitted, a later change adds exams with the moment of the change, and a withdrawal removes
  // them; registrations loaded by the agency carry their own application time.
  return db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('registrations.applied_at', '>=', scope.from)
    .where('registrations.applied_at', '<=', scope.to)
    .$if(institutionId !== null, (q) =>
      q.where(paged ? candidateOfInstitution(institutionId!) : (eb) => eb('candidates.institution_id', '=', institutionId!)),
    );
}

export async function countApplications(db: Db, scope: ApplicationsScope): Promise<number> {
  const applicants = applicationsIn(db, scope)
    .select(['candidates.person_id', 'candidates.institution_id', 'candidates.school_year'])
    .distinct()
    .as('applicants');
  const row = await db
    .selectFrom(applicants)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The subjects outside the three groups that someone applied for in the period. */
export async function applicationSubjects(db: Db, scope: ApplicationsScope): Promise<ApplicationSubject[]> {
  const exams = await applicationsIn(db, scope)
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .select(['exams.code', 'exams.subject_lv', 'exams.subject_en'])
    .distinct()
    .orderBy('exams.code')
    .execute();
  const subjects = new Map<string, ApplicationSubject>();
  for (const exam of exams) {
    const subject = examSubject(exam.code);
    if (subjectGroup(exam.code) === undefined && !subjects.has(subject)) {
      subjects.set(subject, { subject, nameLv: exam.subject_lv, nameEn: exam.subject_en });
    }
  }
  return [...subjects.values()];
}

export async function* applicationRows(db: Db, scope: ApplicationsScope, batchSize = REPORT_BATCH_ROWS): AsyncGenerator<ApplicationRow[]> {
  let after = 0;
  for (;;) {
    // A page of people: each person's rows (one per institution and school year) all come in the same batch.
    const people = await applicationsIn(db, scope, true)
      .select('candidates.person_id')
      .distinct()
      .where('candidates.person_id', '>', after)
      .orderBy('candidates.person_id')
      .limit(batchSize)
      .execute();
    if (people.length === 0) return;
    const personIds = people.map((p) => p.person_id);
    const applications = await applicationsIn(db, scope, true)
      .where('candidates.person_id', 'in', personIds)
      .innerJoin('persons', 'persons.id', 'candidates.person_id')
      .innerJoin('institutions', 'institutions.id', 'candidates.institution_id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .leftJoin('certificates', (join) => join.onRef('certificates.sitting_id', '=', 'sittings.id').on('certificates.state', '=', 'issued'))
      .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
      .select([
        'candidates.person_id as personId',
        'candidates.institution_id as institutionId',
        'candidates.school_year as schoolYear',
        'candidates.class_name as className',
        'persons.first_name as firstName',
        'persons.last_name as lastName',
        'institutions.name as institutionName',
        'exams.code as examCode',
        'certificates.number as certificateNumber',
        examReleaseMoment.as('releaseAt'),
      ])
      .orderBy('candidates.person_id')
      .orderBy('candidates.institution_id')
      .orderBy('candidates.school_year')
      .orderBy('exams.code')
      .orderBy('certificates.number')
      .execute();
    const codes = await db
      .selectFrom('candidates')
      .select(['person_id', 'institution_id', 'code'])
      .where('person_id', 'in', personIds)
      .$if(scope.institutionId !== null, (q) => q.where(candidateOfInstitution(scope.institutionId!)))
      .orderBy('code')
      .execute();
    const codesOf = new Map<string, string[]>();
    for (const c of codes) {
      const key = `${c.person_id}:${c.institution_id}`;
      codesOf.set(key, [...(codesOf.get(key) ?? []), c.code]);
    }

    const rows: ApplicationRow[] = [];
    let groupKey = '';
    for (const a of applications) {
      const key = `${a.personId}:${a.institutionId}:${a.schoolYear}`;
      if (key !== groupKey) {
        groupKey = key;
        rows.push({
          lastName: a.lastName,
          firstName: a.firstName,
          className: a.className,
          candidateCodes: codesOf.get(`${a.personId}:${a.institutionId}`) ?? [],
          institutionName: a.institutionName,
          certificates: new Map(),
        });
      }
      const row = rows[rows.length - 1]!;
      row.className ??= a.className;
      if (a.certificateNumber !== null && resultsVisibleTo(scope.viewer, new Date(a.releaseAt), scope.now)) {
        const column = applicationColumn(a.examCode);
        row.certificates.set(column, [...(row.certificates.get(column) ?? []), a.certificateNumber]);
      }
    }
    yield rows;
    if (people.length < batchSize) return;
    after = personIds[personIds.length - 1]!;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// "Pretendentu un absolventu pārbaudījumu un eksāmenu rezultāti" (VIIS): the certificates of one education type
// that were valid on the selection date, one row per certificate.

export interface GraduatesScope {
  institutionId: number | null;
  /** YYYY-MM-DD, a Latvian calendar date. */
  selectionDate: string;
  education: 'basic' | 'secondary';
  /** Who the report is for, and when: only certificates of results they may see by then. */
  viewer: ResultsViewer;
  now: Date;
}

export interface GraduateRow {
  personalCode: string;
  firstName: string;
  lastName: string;
  className: string | null;
  exam: ExamNaming;
  /** Undefined only if the sitting's points are incomplete, which issuing a certificate does not allow. */
  total: number | undefined;
  certificateNumber: string;
  /** YYYY-MM-DD. */
  issuedOn: string;
}

function certificatesValidOn(db: Db, scope: GraduatesScope, paged = false) {
  const { institutionId } = scope;
  const dayEnd = rigaDay(scope.selectionDate).end.toISOString();
  return certificatesWithHolder(db)
    .where('exams.education', '=', scope.education)
    .where('certificates.issued_on', '<=', scope.selectionDate)
    // Valid on that date: still issued, or annulled only after the day was over.
    .where((eb) => eb.or([eb('certificates.state', '=', 'issued'), eb('certificates.annulled_at', '>=', dayEnd)]))
    .$if(institutionId !== null, (q) =>
      q.where(paged ? candidateOfInstitution(institutionId!) : (eb) => eb('candidates.institution_id', '=', institutionId!)),
    )
    .$call(whereReleased(scope.viewer, scope.now));
}

export async function countGraduates(db: Db, scope: GraduatesScope): Promise<number> {
  const row = await certificatesValidOn(db, scope)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function* graduateRows(db: Db, scope: GraduatesScope, batchSize = REPORT_BATCH_ROWS): AsyncGenerator<GraduateRow[]> {
  const partsByExam = new Map<number, ExamPart[]>();
  let after = 0;
  for (;;) {
    const rows = await certificatesValidOn(db, scope, true)
      .where('certificates.id', '>', after)
      .orderBy('certificates.id')
      .limit(batchSize)
      .select([
        'certificates.id',
        'certificates.number',
        'certificates.issued_on as issuedOn',
        'sittings.id as sittingId',
        'persons.personal_code as personalCode',
        'persons.first_name as firstName',
        'persons.last_name as lastName',
        'candidates.class_name as className',
        'exams.id as examId',
        'exams.education',
        'exams.level',
        'exams.subject_lv_locative',
        'exams.subject_en',
        'exams.school_year',
        'exams.weighted_points_rule',
      ])
      .execute();
    if (rows.length === 0) return;
    const points = await pointsBySitting(db, rows.map((r) => r.sittingId));
    for (const r of rows) {
      if (!partsByExam.has(r.examId)) partsByExam.set(r.examId, await examParts(db, r.examId));
    }
    yield rows.map((r) => ({
      personalCode: r.personalCode,
      firstName: r.firstName,
      lastName: r.lastName,
      className: r.className,
      exam: examNaming(r),
      total: scoreOf(r, partsByExam.get(r.examId)!, points.get(r.sittingId))?.total,
      certificateNumber: r.number,
      issuedOn: r.issuedOn,
    }));
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.id;
  }
}
