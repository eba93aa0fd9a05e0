/** Institutions (schools) as staff pick them: the agency's selectors on the staff pages and the report form. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { compareLatvian } from '../domain/staff-lists.js';

export interface InstitutionChoice {
  id: number;
  name: string;
  registrationNumber: string;
}

/** Institutions in Latvian alphabetical order: all of them, or those with registrations in one exam session. */
export async function institutionChoices(db: Kysely<Database>, examSessionId?: number): Promise<InstitutionChoice[]> {
  let query = db
    .selectFrom('institutions')
    .select(['institutions.id', 'institutions.name', 'institutions.registration_number as registrationNumber']);
  if (examSessionId !== undefined) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('registrations')
          .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
          .select('registrations.id')
          .where('registrations.session_id', '=', examSessionId)
          .whereRef('candidates.institution_id', '=', 'institutions.id'),
      ),
    );
  }
  // A few hundred schools: ordered here, as the databases share no Latvian collation.
  return (await query.execute()).sort((a, b) => compareLatvian(a.name, b.name) || a.id - b.id);
}

export async function findInstitution(db: Kysely<Database>, institutionId: number): Promise<InstitutionChoice | undefined> {
  return db
    .selectFrom('institutions')
    .select(['id', 'name', 'registration_number as registrationNumber'])
    .where('id', '=', institutionId)
    .executeTakeFirst();
}
