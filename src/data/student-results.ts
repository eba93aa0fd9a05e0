/**
 * What one student sees on "Results of exams taken": every exam they registered for whose results are either
 * still to come or were released within the last six months. Nothing of a result (points, percentages,
 * certificate number) leaves this module before its release moment.
 */
import { sql, type Kysely } from 'kysely';
import { binaryForReading, bytesRead, isPostgres } from '../../db/dialect.js';
import { batchedLookupOf, preparedQueryOf } from '../../db/prepared.js';
import type { Database, ExamPart, Gender } from '../../db/schema.js';
import { isInStudentWindow, resultsVisibleTo, studentWindowStart } from '../domain/release.js';
import { scoreExam } from '../domain/scoring.js';
import { examParts, scoringDefinition } from './catalogue.js';
import { certificatesWithHolder } from './certificate-facts.js';
import { examReleaseMoment } from './release.js';
import { displayNameOf } from './sign-in.js';

/** When and why the register annulled something; either may be missing for entries from before it kept them. */
export interface Annulment {
  /** ISO instant. */
  at: string | null;
  reason: string | null;
}

export type ResultState =
  | { kind: 'pending'; releaseAt: Date }
  | { kind: 'exempted' }
  | { kind: 'international'; certificateName: string }
  | { kind: 'absent' }
  | { kind: 'work-annulled'; annulment: Annulment }
  | { kind: 'not-scored' }
  | { kind: 'certificate-annulled'; number: string; issuedOn: string; annulment: Annulment }
  | {
      kind: 'result';
      tookPart: 'yes' | 'partly';
      total: number;
      parts: { nameLv: string; nameEn: string; percent: number }[];
      certificate?: { number: string; issuedOn: string };
    };

export interface StudentResult {
  registrationId: number;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  examCode: string;
  subjectLvLocative: string;
  subjectEn: string;
  schoolYear: number;
  term: 'main' | 'additional';
  state: ResultState;
  /** For a candidate absent from the main term: the dates of this exam's additional term, when the register has one. */
  additionalTerm?: { startsOn: string; endsOn: string };
}

export interface StudentResults {
  /** The holder's grammatical gender as the register records it (null: not known), for Latvian agreement. */
  gender: Gender | null;
  results: StudentResult[];
  /**
   * Every release moment of the person's exams (ms, ascending, each once), shown or not: what time alone may change
   * on their page (src/domain/lobby.ts, resultsTimeState).
   */
  moments: number[];
}

// The parts of an exam that already has points cannot change (defineParts refuses), so they are kept.
const scoredPartsCache = new Map<number, ExamPart[]>();

async function scoredExamParts(db: Kysely<Database>, examId: number): Promise<ExamPart[]> {
  const cached = scoredPartsCache.get(examId);
  if (cached) return cached;
  const parts = await examParts(db, examId);
  if (parts.length > 0 && scoredPartsCache.size < 10_000) scoredPartsCache.set(examId, parts);
  return parts;
}

const resultRows = preparedQueryOf(
  (db: Kysely<Database>, personId: number) =>
    db
      .selectFrom('candidates')
      .innerJoin('persons', 'persons.id', 'candidates.person_id')
      .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
      .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .where('candidates.person_id', '=', personId)
      .select([
        'persons.gender',
        'registrations.id as registrationId',
        'registrations.exempted',
        'registrations.international_certificate as internationalCertificate',
        'exam_sessions.term',
        'exams.id as examId',
        'exams.code',
        'exams.education',
        'exams.level',
        'exams.subject_lv_locative as subjectLvLocative',
        'exams.subject_en as subjectEn',
        'exams.school_year as schoolYear',
        'exams.weighted_points_rule',
        examReleaseMoment.as('releaseAt'),
        'sittings.id as sittingId',
        'sittings.took_part as tookPart',
        'sittings.work_annulled as workAnnulled',
        'sittings.work_annulled_at as workAnnulledAt',
        'sittings.work_annulled_reason as workAnnulledReason',
        'certificates.number',
        'certificates.issued_on as issuedOn',
        'certificates.state as certificateState',
        'certificates.annulled_at as certificateAnnulledAt',
        'certificates.annulled_reason as certificateAnnulledReason',
        (eb) => eb.selectFrom('sitting_points').whereRef('sitting_points.sitting_id', '=', 'sittings.id').select(pointsInPartOrder(db).as('list')).as('points'),
      ])
      .orderBy('exams.school_year', 'desc')
      .orderBy('exams.code'),
  1,
);

/**
 * A sitting's points in hundredths, in part order, as one text ("1200,850"), or null when it has none: read in the
 * same query as the results, so a results page is one round trip to the database, not two.
 */
function pointsInPartOrder(db: Kysely<Database>) {
  return isPostgres(db)
    ? sql<string | null>`string_agg(${sql.ref('sitting_points.points_hundredths')}::text, ',' order by ${sql.ref('sitting_points.part_no')})`
    : sql<string | null>`group_concat(${sql.ref('sitting_points.points_hundredths')}, ',' order by ${sql.ref('sitting_points.part_no')})`;
}

export async function studentResults(db: Kysely<Database>, personId: number, now: Date): Promise<StudentResults> {
  const rows = await resultRows(db, personId);

  const windowStart = studentWindowStart(now).getTime();
  const released = (r: { releaseAt: string }) => resultsVisibleTo('student', new Date(r.releaseAt), now);
  // Still to come, or released within the window.
  const visible = rows.filter((r) => !released(r) || Date.parse(r.releaseAt) >= windowStart);
  const partsByExam = new Map<number, ExamPart[]>();

  const results: StudentResult[] = [];
  for (const r of visible) {
    let state: ResultState;
    if (!released(r)) state = { kind: 'pending', releaseAt: new Date(r.releaseAt) };
    else if (r.exempted === 1 && r.internationalCertificate) state = { kind: 'international', certificateName: r.internationalCertificate };
    else if (r.exempted === 1) state = { kind: 'exempted' };
    else if (r.sittingId === null) state = { kind: 'not-scored' };
    else if (r.tookPart === 'no') state = { kind: 'absent' };
    else if (r.workAnnulled === 1) state = { kind: 'work-annulled', annulment: { at: r.workAnnulledAt, reason: r.workAnnulledReason } };
    else if (r.number && r.issuedOn && r.certificateState === 'annulled') {
      // The certificate no longer states the result, so the page does not either: it says what happened.
      state = {
        kind: 'certificate-annulled',
        number: r.number,
        issuedOn: r.issuedOn,
        annulment: { at: r.certificateAnnulledAt, reason: r.certificateAnnulledReason },
      };
    } else {
      let parts = partsByExam.get(r.examId);
      if (!parts) partsByExam.set(r.examId, (parts = await scoredExamParts(db, r.examId)));
      // Points are used only for a released result.
      const sittingPoints = r.points === null ? [] : r.points.split(',').map(Number);
      if (parts.length === 0 || sittingPoints.length !== parts.length) state = { kind: 'not-scored' };
      else {
        const score = scoreExam(scoringDefinition(r, parts), sittingPoints);
        state = {
          kind: 'result',
          tookPart: r.tookPart === 'partly' ? 'partly' : 'yes',
          total: score.total,
          parts: parts.map((p, i) => ({ nameLv: p.name_lv ?? `${p.part_no}. daļa`, nameEn: p.name_en ?? `Part ${p.part_no}`, percent: score.parts[i]! })),
          ...(r.number && r.issuedOn && r.certificateState === 'issued' ? { certificate: { number: r.number, issuedOn: r.issuedOn } } : {}),
        };
      }
    }
    const additionalTerm = state.kind === 'absent' && r.term === 'main' ? await additionalTermOf(db, r.examId) : undefined;
    results.push({
      ...(additionalTerm ? { additionalTerm } : {}),
      registrationId: r.registrationId,
      education: r.education,
      level: r.level,
      examCode: r.code,
      subjectLvLocative: r.subjectLvLocative,
      subjectEn: r.subjectEn,
      schoolYear: r.schoolYear,
      term: r.term,
      state,
    });
  }
  const moments = [...new Set(rows.map((r) => Date.parse(r.releaseAt)))].sort((a, b) => a - b);
  return { gender: rows[0]?.gender ?? null, results, moments };
}

const versionRow = preparedQueryOf(
  (db: Kysely<Database>, personId: number) =>
    db
      .selectFrom('persons')
      .innerJoin('results_catalogue_version', (join) => join.onTrue())
      .where('persons.id', '=', personId)
      .select(['persons.results_version as person', 'results_catalogue_version.version as catalogue']),
  1,
);

/**
 * The version of everything a person's results page is made of, as the database keeps it (migration 0020): their
 * own rows and the shared catalogue. Read before the results themselves, a page rendered after it is never older
 * than the version it is kept under. Undefined for a person who is not in the register.
 */
export async function resultsVersion(db: Kysely<Database>, personId: number): Promise<string | undefined> {
  const [row] = await versionRow(db, personId);
  return row ? formatResultsVersion(row.person, row.catalogue) : undefined;
}

/** The person's and the catalogue's versions as one value (the session look-up reads them too, web-sessions.ts). */
export function formatResultsVersion(person: number, catalogue: number): string {
  return `${person}.${catalogue}`;
}

/** The additional term of an exam (few readers: only those absent from the main term are shown it). */
async function additionalTermOf(db: Kysely<Database>, examId: number) {
  return db
    .selectFrom('exam_sessions')
    .where('exam_id', '=', examId)
    .where('term', '=', 'additional')
    .select(['starts_on as startsOn', 'ends_on as endsOn'])
    .orderBy('starts_on')
    .executeTakeFirst();
}

// With its newest sealed document, if it has one yet: a download is then one read, together with the downloads of
// other holders at the same moment (db/prepared.ts). Each key names the certificate and its holder, so the query
// itself finds only a holder's own.
const issuedCertificateOfHolder = batchedLookupOf(
  (db: Kysely<Database>, keys: (readonly [number: string, personId: number])[]) =>
    certificatesWithHolder(db)
      .leftJoin('current_certificate_documents as document', 'document.certificate_id', 'certificates.id')
      .where((eb) => eb.or(keys.map(([number, personId]) => eb.and([eb('certificates.number', '=', number), eb('candidates.person_id', '=', personId)]))))
      .where('certificates.state', '=', 'issued')
      .select([
        'certificates.id',
        'certificates.number',
        'candidates.person_id as personId',
        examReleaseMoment.as('releaseAt'),
        binaryForReading(db, 'document.edoc').as('edoc'),
        'document.sha256',
      ]),
  (row) => [row.number, row.personId] as const,
);

/**
 * A certificate of its holder, with its newest sealed document when it has one (undefined until it is sealed), or
 * nothing: not theirs, annulled, not yet released, or no such number all look the same to the caller (and so to
 * the visitor: 404).
 */
export async function holderCertificate(
  db: Kysely<Database>,
  personId: number,
  number: string,
  now: Date,
): Promise<{ certificateId: number; document?: { edoc: Uint8Array; sha256: string } } | undefined> {
  const row = await issuedCertificateOfHolder(db, [number, personId]);
  // Released and within the student's window: the rules of src/domain/release.ts, checked here rather than in the
  // SQL so that the prepared statement does not change with the moment.
  if (!row || !resultsVisibleTo('student', new Date(row.releaseAt), now) || !isInStudentWindow(new Date(row.releaseAt), now)) return undefined;
  return { certificateId: row.id, ...(row.edoc && row.sha256 ? { document: { edoc: bytesRead(row.edoc), sha256: row.sha256 } } : {}) };
}


/**
 * People with an exam whose results open at `moment` (as stored, see releaseMoments), in the order of their ids
 * after `afterPersonId`, at most `limit`: the students whose results pages are rendered ahead of that moment.
 */
export async function personsWithResultsAt(
  db: Kysely<Database>,
  moment: string,
  afterPersonId: number,
  limit: number,
): Promise<{ personId: number; displayName: string }[]> {
  const rows = await db
    .selectFrom('persons')
    .select(['persons.id', 'persons.first_name', 'persons.last_name'])
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('candidates')
          .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
          .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
          .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
          .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
          .select('registrations.id')
          .whereRef('candidates.person_id', '=', 'persons.id')
          .where(examReleaseMoment, '=', moment),
      ),
    )
    .where('persons.id', '>', afterPersonId)
    .orderBy('persons.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ personId: row.id, displayName: displayNameOf(row) }));
}
