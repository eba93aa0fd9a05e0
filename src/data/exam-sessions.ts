import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SessionSummary {
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
export async function listSessions(db: Kysely<Database>, filter: { year?: number; examCode?: string }): Promise<SessionSummary[]> {
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
