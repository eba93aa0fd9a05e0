/** What the report form offers: the exam sessions and institutions a staff member may ask about. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SessionChoice {
  id: number;
  schoolYear: number;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subjectLvLocative: string;
  subjectEn: string;
  term: 'main' | 'additional';
  startsOn: string;
}

export interface InstitutionChoice {
  id: number;
  name: string;
  registrationNumber: string;
}

/** Sessions in which the institution has registrations (all sessions with any, for null), newest first. */
export async function sessionChoices(db: Kysely<Database>, institutionId: number | null): Promise<SessionChoice[]> {
  return db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .select([
      'exam_sessions.id',
      'exams.school_year as schoolYear',
      'exams.education',
      'exams.level',
      'exams.subject_lv_locative as subjectLvLocative',
      'exams.subject_en as subjectEn',
      'exam_sessions.term',
      'exam_sessions.starts_on as startsOn',
    ])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('registrations')
          .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
          .select('registrations.id')
          .whereRef('registrations.session_id', '=', 'exam_sessions.id')
          .$if(institutionId !== null, (q) => q.where('candidates.institution_id', '=', institutionId!)),
      ),
    )
    .orderBy('exams.school_year', 'desc')
    .orderBy('exams.education')
    .orderBy('exam_sessions.starts_on')
    .orderBy('exams.code')
    .execute();
}

/** Every institution, by name: the agency's choice of whom a report is about. */
export async function institutionChoices(db: Kysely<Database>): Promise<InstitutionChoice[]> {
  return db
    .selectFrom('institutions')
    .select(['id', 'name', 'registration_number as registrationNumber'])
    .orderBy('name')
    .execute();
}

/** Whether the session exists and (for a school) the institution has registrations in it. */
export async function sessionInScope(db: Kysely<Database>, sessionId: number, institutionId: number | null): Promise<boolean> {
  const row = await db
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .select('registrations.id')
    .where('registrations.session_id', '=', sessionId)
    .$if(institutionId !== null, (q) => q.where('candidates.institution_id', '=', institutionId!))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
