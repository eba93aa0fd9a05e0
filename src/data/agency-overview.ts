/**
 * The agency's overview: per exam session of one school year, how far the work has come (registered, took part,
 * scores loaded, certificates issued, sealed, annulled) and the paper copies still to post. Agency staff see
 * everything at once (no release moment holds anything back from them), so these are plain counts.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SessionProgress {
  sessionId: number;
  examCode: string;
  education: 'basic' | 'secondary';
  subjectLv: string;
  subjectEn: string;
  term: 'main' | 'additional';
  startsOn: string;
  registered: number;
  tookPart: number;
  /** Sittings with points loaded for at least one part. */
  scored: number;
  /** Certificates issued, whatever became of them since (annulled ones included). */
  issued: number;
  sealed: number;
  annulled: number;
  /** Paper copies requested and not yet sent or handed over. */
  paperPending: number;
}

/** The school years that have exams, newest first. */
export async function overviewYears(db: Kysely<Database>): Promise<number[]> {
  const rows = await db.selectFrom('exams').select('school_year').distinct().orderBy('school_year', 'desc').execute();
  return rows.map((r) => r.school_year);
}

const count = (expression: ReturnType<typeof sql>) => sql<number>`cast(count(distinct ${expression}) as integer)`;

export async function sessionProgress(db: Kysely<Database>, schoolYear: number): Promise<SessionProgress[]> {
  const rows = await db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .leftJoin('registrations', 'registrations.session_id', 'exam_sessions.id')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .where('exams.school_year', '=', schoolYear)
    .select([
      'exam_sessions.id as sessionId',
      'exams.code as examCode',
      'exams.education',
      'exams.subject_lv as subjectLv',
      'exams.subject_en as subjectEn',
      'exam_sessions.term',
      'exam_sessions.starts_on as startsOn',
      count(sql`registrations.id`).as('registered'),
      count(sql`case when sittings.took_part in ('yes', 'partly') then sittings.id end`).as('tookPart'),
      count(sql`case when exists (select 1 from sitting_points where sitting_points.sitting_id = sittings.id) then sittings.id end`).as('scored'),
      count(sql`certificates.id`).as('issued'),
      count(
        sql`case when exists (select 1 from certificate_documents where certificate_documents.certificate_id = certificates.id) then certificates.id end`,
      ).as('sealed'),
      count(sql`case when certificates.state = 'annulled' then certificates.id end`).as('annulled'),
      count(
        sql`case when exists (select 1 from paper_requests where paper_requests.certificate_id = certificates.id and paper_requests.status <> 'sent') then certificates.id end`,
      ).as('paperPending'),
    ])
    .groupBy([
      'exam_sessions.id',
      'exams.code',
      'exams.education',
      'exams.subject_lv',
      'exams.subject_en',
      'exam_sessions.term',
      'exam_sessions.starts_on',
    ])
    .orderBy('exams.education')
    .orderBy('exams.code')
    .orderBy('exam_sessions.term', 'desc')
    .orderBy('exam_sessions.starts_on')
    .execute();
  return rows.map((r) => ({ ...r, registered: Number(r.registered), tookPart: Number(r.tookPart), scored: Number(r.scored), issued: Number(r.issued), sealed: Number(r.sealed), annulled: Number(r.annulled), paperPending: Number(r.paperPending) }));
}
