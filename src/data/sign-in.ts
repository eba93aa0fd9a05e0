/** Finding the person who signs in, and the demo students offered by the development sign-in. */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { batchedLookupOf } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';

export interface SignInPerson {
  personId: number;
  personalCode: string;
  displayName: string;
}

/** How a person is named to themselves once signed in (the page header), from the register's names. */
export function displayNameOf(person: { first_name: string; last_name: string }): string {
  return `${person.first_name} ${person.last_name}`;
}

/** The register's person with this (normalised, 11-digit) personal code. */
export async function findPersonByCode(db: Kysely<Database>, personalCode: string): Promise<SignInPerson | undefined> {
  const row = await personWithCode(db, personalCode);
  return row && { personId: row.id, personalCode: row.personal_code, displayName: displayNameOf(row) };
}

// Read on every sign-in, by the many who sign in at once on results day: read together (db/prepared.ts).
const personWithCode = batchedLookupOf(
  (db: Kysely<Database>, personalCodes: string[]) =>
    db.selectFrom('persons').select(['id', 'personal_code', 'first_name', 'last_name']).where('personal_code', 'in', personalCodes),
  (row) => row.personal_code,
);

/**
 * Persons with an issued certificate in the newest school year that has any, half of them with basic and half
 * with secondary education exams where the register has both, in a stable order.
 *
 * Asked on every visit of the development sign-in page and every demo sign-in, so it must stay cheap: the
 * queries walk persons in id order and stop at the first few that qualify (EXISTS), rather than joining every
 * certificate of the register and sorting the lot, which took 50–200 ms on 2,000 demo students and held the
 * event loop (better-sqlite3 runs on it) for all of that.
 */
export async function demoStudents(db: Kysely<Database>, count = 6): Promise<SignInPerson[]> {
  const certificatesOf = (eb: ExpressionBuilder<Database, 'persons'>, year: number, education: 'basic' | 'secondary') =>
    eb.exists(
      eb
      .selectFrom('candidates')
      .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
      .innerJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .innerJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .select(sql<number>`1`.as('one'))
      .whereRef('candidates.person_id', '=', 'persons.id')
      .where('candidates.school_year', '=', year)
      .where('certificates.state', '=', 'issued')
        .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
        .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
        .where('exams.education', '=', education),
    );
  // The newest school year with an issued certificate: probed from its candidates, which stops at the first.
  const years = await db.selectFrom('candidates').select('school_year').distinct().orderBy('school_year', 'desc').execute();
  let year: number | undefined;
  for (const { school_year } of years) {
    const found = await db
      .selectFrom('candidates')
      .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
      .innerJoin('sittings', 'sittings.registration_id', 'registrations.id')
      .innerJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .select('candidates.id')
      .where('candidates.school_year', '=', Number(school_year))
      .where('certificates.state', '=', 'issued')
      .limit(1)
      .executeTakeFirst();
    if (found) {
      year = Number(school_year);
      break;
    }
  }
  if (year === undefined) return [];

  const withCertificates = (education: 'basic' | 'secondary', limit: number) =>
    db
      .selectFrom('persons')
      .select(['persons.id', 'persons.personal_code', 'persons.first_name', 'persons.last_name'])
      .where((eb) => certificatesOf(eb, year, education))
      .orderBy('persons.id')
      .limit(limit)
      .execute();

  const [basic, secondary] = await Promise.all([withCertificates('basic', count), withCertificates('secondary', count)]);
  const chosen = new Map<number, SignInPerson>();
  const add = (row: { id: number; personal_code: string; first_name: string; last_name: string }) => {
    if (chosen.size < count && !chosen.has(row.id)) {
      chosen.set(row.id, { personId: row.id, personalCode: row.personal_code, displayName: displayNameOf(row) });
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
  return rows.map((row) => ({ personId: row.id, personalCode: row.personal_code, displayName: displayNameOf(row) }));
}
