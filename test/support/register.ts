/** Small, explicit register contents for data tests: one school, a few candidates, one exam session. */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findExam, installCatalogue } from '../../src/data/catalogue.js';
import { oldFormCode } from '../../src/domain/personal-code.js';

export interface SeededSession {
  sessionId: number;
  examId: number;
  institutionId: number;
  candidateCodes: string[];
  personalCodes: string[];
}

/**
 * Numbers that tell seeded persons and schools apart. A random start per test file, then counting: never the same
 * number twice in one database (drawing each one at random did, now and then, and failed a unique constraint).
 */
let personCounter = Math.floor(Math.random() * 100_000);
let institutionCounter = Math.floor(Math.random() * 50_000);

export function validPersonalCode(n: number): string {
  for (let serial = n % 900; ; serial++) {
    const code = oldFormCode({ year: 2008, month: 1 + (n % 12), day: 1 + (Math.floor(n / 12) % 28) }, serial);
    if (code) return code;
  }
}

export async function seedSession(
  db: Kysely<Database>,
  options: { examCode: string; year?: number; candidates?: number; exempted?: number[]; registrationNumber?: string },
): Promise<SeededSession> {
  const year = options.year ?? 2025;
  await installCatalogue(db, year);
  const exam = (await findExam(db, options.examCode, year))!;
  const session = await db.selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
  const registrationNumber = options.registrationNumber ?? `40000${String(++institutionCounter).padStart(5, '0')}`;
  const institution = await db
    .insertInto('institutions')
    .values({ registration_number: registrationNumber, name: `Testa vidusskola ${registrationNumber}`, municipality: 'Rīga' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const candidateCodes: string[] = [];
  const personalCodes: string[] = [];
  for (let i = 0; i < (options.candidates ?? 3); i++) {
    const n = ++personCounter;
    const personalCode = validPersonalCode(n);
    const person = await db
      .insertInto('persons')
      .values({ personal_code: personalCode, first_name: 'Līga', last_name: `Bērziņa-${n}` })
      .onConflict((oc) => oc.column('personal_code').doUpdateSet({ first_name: 'Līga' }))
      .returning('id')
      .executeTakeFirstOrThrow();
    const candidateCode = `9${String(institution.id).padStart(4, '0')}${String(n).padStart(7, '0')}`.slice(0, 12);
    const candidate = await db
      .insertInto('candidates')
      .values({ code: candidateCode, person_id: person.id, school_year: year, institution_id: institution.id, class_name: '12.a' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('registrations')
      .values({
        session_id: session.id,
        candidate_id: candidate.id,
        applied_at: '2025-12-01T10:00:00.000Z',
        exempted: options.exempted?.includes(i) ? 1 : 0,
      })
      .execute();
    candidateCodes.push(candidateCode);
    personalCodes.push(personalCode);
  }
  return { sessionId: session.id, examId: exam.id, institutionId: institution.id, candidateCodes, personalCodes };
}

/** Everything an import or issue may touch, as one comparable value. */
export async function registerSnapshot(db: Kysely<Database>): Promise<string> {
  const tables = {
    sittings: await db.selectFrom('sittings').selectAll().orderBy('id').execute(),
    points: await db.selectFrom('sitting_points').selectAll().orderBy('sitting_id').orderBy('part_no').execute(),
    certificates: await db.selectFrom('certificates').selectAll().orderBy('id').execute(),
    audit: await db.selectFrom('audit_log').selectAll().orderBy('id').execute(),
  };
  return JSON.stringify(tables);
}
