/**
 * The candidates of one exam session as a school sees them (VPS "Organisation > Exam sessions > Candidates"):
 * always narrowed to the institution in the SQL, filtered there, then searched and put in Latvian order here
 * (src/domain/staff-lists.ts: the two databases share no collation that knows Latvian), then paged. Ordering
 * reads only a few light columns of the institution's whole list; the full rows are read for the page alone.
 * Personal codes leave this module masked; the full code only through `revealPersonalCode()`, which the caller
 * audits.
 */
import { expressionBuilder, sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../db/schema.js';
import { maskPersonalCode } from '../domain/personal-code.js';
import type { ResultsViewer } from '../domain/release.js';
import type { ExamSession } from './exam-sessions.js';
import { releasedCondition } from './release.js';
import { compareCandidates, matchesSearch, searchTerms, type CandidateFilter, type CandidateSort } from '../domain/staff-lists.js';

export interface CandidateQuery {
  institutionId: number | null;
  /**
   * Who looks, and when: whether a certificate was annulled is a result, shown only as the viewer may see the
   * session's results by then (a school from the release moment, the agency at once).
   */
  viewer: ResultsViewer;
  now: Date;
  filter: CandidateFilter;
  sort: CandidateSort;
  direction: 'asc' | 'desc';
  /** Words looked for in the names and candidate codes (all must be found); absent or empty: everyone. */
  search?: string;
  /** Absent: every row (the print view, the CSV file). A page past the end gives the last page. */
  page?: { number: number; size: number };
}

export interface CandidateList {
  rows: CandidateRow[];
  /** The rows of the filter and search, on all pages. */
  total: number;
  /** The page shown (1 without paging), and the index of its first row among all rows. */
  page: number;
  offset: number;
}

export interface CandidateRow {
  registrationId: number;
  maskedPersonalCode: string;
  firstName: string;
  lastName: string;
  className: string | null;
  candidateCode: string;
  institutionName: string;
  exempted: boolean;
  /** Null: no participation recorded (yet). */
  tookPart: 'yes' | 'no' | 'partly' | null;
  additionalTerm: boolean;
  support: boolean | null;
  /**
   * The exam work was annulled (at the exam, for breaking its rules), or the certificate was annulled; the
   * latter only once the results are out to the one asking.
   */
  annulled: boolean;
  work: boolean;
  internationalCertificate: string | null;
}

function baseQuery(db: Kysely<Database>, sessionId: number, institutionId: number | null) {
  let query = db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .where('registrations.session_id', '=', sessionId);
  if (institutionId !== null) query = query.where('candidates.institution_id', '=', institutionId);
  return query;
}

function filterCondition(filter: CandidateFilter): Expression<SqlBool> | undefined {
  switch (filter) {
    case 'registered':
      return undefined;
    case 'applied':
      // Applied: registered through an application (not by an import), to sit the exam (neither exempted nor replaced).
      return sql<SqlBool>`registrations.exempted = 0 and registrations.international_certificate is null
        and exists (select 1 from applications where applications.candidate_id = registrations.candidate_id and applications.status <> 'withdrawn')`;
    case 'exempted':
      return sql<SqlBool>`registrations.exempted = 1`;
    case 'international':
      return sql<SqlBool>`registrations.international_certificate is not null`;
  }
}

// Nulls become values, as the two databases put nulls at opposite ends. Personal codes sort by the part that is shown (as maskPersonalCode shows it), so the order gives away nothing
// of the masked digits.
const SORT_EXPRESSIONS: Record<CandidateSort, Expression<unknown>> = {
  personalCode: sql`case when persons.personal_code like '32%' then substr(persons.personal_code, 1, 4) else substr(persons.personal_code, 1, 6) end`,
  firstName: sql`persons.first_name`,
  lastName: sql`persons.last_name`,
  className: sql`coalesce(candidates.class_name, '')`,
  candidateCode: sql`candidates.code`,
  exempted: sql`registrations.exempted`,
  tookPart: sql`case sittings.took_part when 'yes' then 3 when 'partly' then 2 when 'no' then 1 else 0 end`,
  international: sql`coalesce(registrations.international_certificate, '')`,
};

/**
 * The session's results are visible to the viewer by then; undefined when they always are. A condition on the
 * certificates' join, so that before the moment no certificate row is read at all.
 */
function sessionResultsVisible(sessionId: number, query: CandidateQuery): Expression<SqlBool> | undefined {
  const released = releasedCondition(query.viewer, query.now);
  if (released === undefined) return undefined;
  const eb = expressionBuilder<Database>();
  return eb.exists(
    eb
      .selectFrom('exam_sessions')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
      .select('exam_sessions.id')
      .where('exam_sessions.id', '=', sessionId)
      .where(released),
  );
}

/** The filter's registrations with what orders and searches them, in the table's order. */
async function orderedRegistrations(db: Kysely<Database>, sessionId: number, query: CandidateQuery): Promise<number[]> {
  let select = baseQuery(db, sessionId, query.institutionId).select([
    'registrations.id as registrationId',
    'persons.first_name as firstName',
    'persons.last_name as lastName',
    'candidates.code as candidateCode',
    sql<string | number | null>`${SORT_EXPRESSIONS[query.sort]}`.as('sortValue'),
  ]);
  const condition = filterCondition(query.filter);
  if (condition) select = select.where(condition);
  const terms = searchTerms(query.search);
  return (await select.execute())
    .filter((r) => matchesSearch(r, terms))
    .sort(compareCandidates(query.direction))
    .map((r) => r.registrationId);
}

export async function listCandidates(db: Kysely<Database>, session: Pick<ExamSession, 'id' | 'examId' | 'term'>, query: CandidateQuery): Promise<CandidateList> {
  const order = await orderedRegistrations(db, session.id, query);
  const total = order.length;
  let page = 1;
  let shown = order;
  if (query.page) {
    page = Math.min(Math.max(1, query.page.number), Math.max(1, Math.ceil(total / query.page.size)));
    shown = order.slice((page - 1) * query.page.size, page * query.page.size);
  }
  const offset = query.page ? (page - 1) * query.page.size : 0;
  if (shown.length === 0) return { rows: [], total, page, offset };
  // A page reads its own rows by id; the whole list reads the filter's rows and keeps those the search found.
  const rows = await candidateRows(db, session, query, query.page ? shown : undefined);
  const position = new Map(shown.map((id, index) => [id, index]));
  const ordered = rows.filter((r) => position.has(r.registrationId)).sort((a, b) => position.get(a.registrationId)! - position.get(b.registrationId)!);
  return { rows: ordered, total, page, offset };
}

async function candidateRows(
  db: Kysely<Database>,
  session: Pick<ExamSession, 'id' | 'examId' | 'term'>,
  query: CandidateQuery,
  registrationIds: number[] | undefined,
): Promise<CandidateRow[]> {
  const visible = sessionResultsVisible(session.id, query);
  let select = baseQuery(db, session.id, query.institutionId)
    .leftJoin('certificates', (join) => {
      const onSitting = join.onRef('certificates.sitting_id', '=', 'sittings.id');
      return visible === undefined ? onSitting : onSitting.on(visible);
    })
    .innerJoin('institutions', 'institutions.id', 'candidates.institution_id')
    .select((eb) => [
      'registrations.id as registrationId',
      'persons.personal_code as personalCode',
      'persons.first_name as firstName',
      'persons.last_name as lastName',
      'candidates.class_name as className',
      'candidates.code as candidateCode',
      'institutions.name as institutionName',
      'registrations.exempted',
      'registrations.international_certificate as internationalCertificate',
      'sittings.took_part as tookPart',
      'sittings.support',
      'sittings.work_annulled as workAnnulled',
      'sittings.work_ref as workRef',
      'certificates.state as certificateState',
      session.term === 'additional'
        ? sql<number>`1`.as('additionalTerm')
        : eb
            .case()
            .when(
              eb.exists(
                eb
                  .selectFrom('registrations as other')
                  .innerJoin('exam_sessions as other_session', 'other_session.id', 'other.session_id')
                  .innerJoin('candidates as other_candidate', 'other_candidate.id', 'other.candidate_id')
                  .select('other.id')
                  .where('other_session.exam_id', '=', session.examId)
                  .where('other_session.term', '=', 'additional')
                  .whereRef('other_candidate.person_id', '=', 'candidates.person_id'),
              ),
            )
            .then(1)
            .else(0)
            .end()
            .as('additionalTerm'),
    ]);
  const condition = filterCondition(query.filter);
  if (condition) select = select.where(condition);
  if (registrationIds) select = select.where('registrations.id', 'in', registrationIds);
  const rows = await select.execute();
  return rows.map((r) => ({
    registrationId: r.registrationId,
    maskedPersonalCode: maskPersonalCode(r.personalCode),
    firstName: r.firstName,
    lastName: r.lastName,
    className: r.className,
    candidateCode: r.candidateCode,
    institutionName: r.institutionName,
    exempted: r.exempted === 1,
    tookPart: r.tookPart,
    additionalTerm: Number(r.additionalTerm) === 1,
    support: r.support === null ? null : r.support === 1,
    annulled: r.workAnnulled === 1 || r.certificateState === 'annulled',
    work: r.workRef !== null,
    internationalCertificate: r.internationalCertificate,
  }));
}

/** How many candidates each filter shows. */
export async function candidateCounts(db: Kysely<Database>, sessionId: number, institutionId: number | null): Promise<Record<CandidateFilter, number>> {
  const row = await baseQuery(db, sessionId, institutionId)
    .select([
      sql<number>`cast(count(registrations.id) as integer)`.as('registered'),
      sql<number>`cast(count(case when ${filterCondition('applied')} then 1 end) as integer)`.as('applied'),
      sql<number>`cast(count(case when ${filterCondition('exempted')} then 1 end) as integer)`.as('exempted'),
      sql<number>`cast(count(case when ${filterCondition('international')} then 1 end) as integer)`.as('international'),
    ])
    .executeTakeFirstOrThrow();
  return row;
}

/** The full personal code of a registration in this session, only if it belongs to the institution. */
export async function revealPersonalCode(
  db: Kysely<Database>,
  target: { sessionId: number; registrationId: number; institutionId: number | null },
): Promise<{ personId: number; personalCode: string } | undefined> {
  let query = db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .select(['persons.id as personId', 'persons.personal_code as personalCode'])
    .where('registrations.id', '=', target.registrationId)
    .where('registrations.session_id', '=', target.sessionId);
  if (target.institutionId !== null) query = query.where('candidates.institution_id', '=', target.institutionId);
  return query.executeTakeFirst();
}
