/** Finding the person who signs in, and the demo students offered by the development sign-in. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface SignInPerson {
  personId: number;
  personalCode: string;
  displayName: string;
}

/** The register's person with this (normalised, 11-digit) personal code. */
export async function findPersonByCode(db: Kysely<Database>, personalCode: string): Promise<SignInPerson | undefined> {
  const row = await db
    .selectFrom('persons')
    .select(['id', 'personal_code', 'first_name', 'last_name'])
    .where('personal_code', '=', personalCode)
    .executeTakeFirst();
  return row && { personId: row.id, personalCode: row.personal_code, displayName: `${row.first_name} ${row.last_name}` };
}

/**
 * Persons with an issued certificate in the newest school year that has any, half of them with basic and half
 * with secondary education exams where the register has both, in a stable order.
 */
export async function demoStudents(db: Kysely<Database>, count = 6): Promise<SignInPerson[]> {
  const newest = await db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .select((eb) => eb.fn.max('candidates.school_year').as('year'))
    .executeTakeFirst();
  const year = newest?.year;
  if (year === null || year === undefined) return [];

  const withCertificates = (education: 'basic' | 'secondary', limit: number) =>
    db
      .selectFrom('persons')
      .innerJoin('candidates', 'candidates.person_id', 'persons.id')
      .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .innerJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .innerJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .select(['persons.id', 'persons.personal_code', 'persons.first_name', 'persons.last_name'])
      .distinct()
      .where('candidates.school_year', '=', Number(year))
      .where('exams.education', '=', education)
      .where('certificates.state', '=', 'issued')
      .orderBy('persons.id')
      .limit(limit)
      .execute();

  const [basic, secondary] = await Promise.all([withCertificates('basic', count), withCertificates('secondary', count)]);
  const chosen = new Map<number, SignInPerson>();
  const add = (row: { id: number; personal_code: string; first_name: string; last_name: string }) => {
    if (chosen.size < count && !chosen.has(row.id)) {
      chosen.set(row.id, { personId: row.id, personalCode: row.personal_code, displayName: `${row.first_name} ${row.last_name}` });
    }
  };
  const half = Math.ceil(count / 2);
  basic.slice(0, half).forEach(add);
  secondary.slice(0, count - Math.min(half, basic.length)).forEach(add);
  basic.forEach(add);
  secondary.forEach(add);
  return [...chosen.values()];
}

/**
 * Up to `count` 12th graders of the newest school year with an application window, who have not applied yet: the
 * demo sign-in offers them besides `demoStudents()`, so a newcomer can try applying.
 */
export async function demoApplicants(db: Kysely<Database>, count = 2): Promise<SignInPerson[]> {
  const newest = await db.selectFrom('application_windows').select((eb) => eb.fn.max('school_year').as('year')).executeTakeFirst();
  const year = newest?.year;
  if (year === null || year === undefined) return [];
  const rows = await db
    .selectFrom('persons')
    .innerJoin('candidates', 'candidates.person_id', 'persons.id')
    .select(['persons.id', 'persons.personal_code', 'persons.first_name', 'persons.last_name'])
    .where('candidates.school_year', '=', Number(year))
    .where('candidates.class_name', 'like', '12.%')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('applications').select('applications.id').whereRef('applications.person_id', '=', 'persons.id'))))
    .orderBy('persons.id')
    .limit(count)
    .execute();
  return rows.map((row) => ({ personId: row.id, personalCode: row.personal_code, displayName: `${row.first_name} ${row.last_name}` }));
}
