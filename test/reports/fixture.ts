/**
 * A register for the report tests, built with the same import and issue functions the agency uses. School A has
 * five 9th graders in mathematics (MAT09) with the seed's own example results, some also in Latvian and English,
 * and one of them also holds a second candidate code with a biology exam (BIOAL); school B has two candidates in
 * the same mathematics session, which must never appear in A's reports. Names carry every Latvian letter and
 * text a spreadsheet would take for a formula.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findExam } from '../../src/data/catalogue.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { seedSession } from '../support/register.js';

export const YEAR = 2025;
export const MAT09_TITLE = 'Eksāmens matemātikā 9. klasei 2025./2026. m.g.';
export const INTERNATIONAL = 'Cambridge English C1 Advanced';
/** Every lowercase Latvian letter with a diacritic: ā č ē ģ ī ķ ļ ņ š ū ž. */
export const LATVIAN_NAME = 'Bērziņa-Ķēģīte-Čūļa-Šnažā';
export const FORMULA_NAME = '=HYPERLINK("http://x";"y")';
export const QUOTED_NAME = 'Kalniņa;"Ozola"';

export interface Person {
  personalCode: string;
  /** As the reports print it: DDMMYY-NNNNN. */
  printedCode: string;
  firstName: string;
  lastName: string;
  candidateCode: string;
}

export interface ReportFixture {
  institutionA: number;
  institutionB: number;
  institutionAName: string;
  mat09Session: number;
  ang09Session: number;
  lat09Session: number;
  bioalSession: number;
  /** School A's five MAT09 candidates, in registration order. */
  a: Person[];
  /** School B's two. */
  b: Person[];
  /** The second candidate code of a[0], with the biology exam. */
  secondCode: string;
}

async function mainSession(db: Kysely<Database>, examCode: string): Promise<number> {
  const exam = (await findExam(db, examCode, YEAR))!;
  const session = await db.selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
  return session.id;
}

function scores(header: string, rows: string[]) {
  return { bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 'scores.csv' };
}

async function register(
  db: Kysely<Database>,
  sessionId: number,
  candidateCode: string,
  appliedAt: string,
  extra: { exempted?: 0 | 1; international_certificate?: string } = {},
) {
  const candidate = await db.selectFrom('candidates').select('id').where('code', '=', candidateCode).executeTakeFirstOrThrow();
  await db
    .insertInto('registrations')
    .values({ session_id: sessionId, candidate_id: candidate.id, applied_at: appliedAt, ...extra })
    .execute();
}

async function people(db: Kysely<Database>, candidateCodes: string[]): Promise<Person[]> {
  const rows = await db
    .selectFrom('candidates')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .select(['candidates.code', 'persons.personal_code', 'persons.first_name', 'persons.last_name'])
    .where('candidates.code', 'in', candidateCodes)
    .execute();
  return candidateCodes.map((code) => {
    const row = rows.find((r) => r.code === code)!;
    const printedCode = `${row.personal_code.slice(0, 6)}-${row.personal_code.slice(6)}`;
    return { personalCode: row.personal_code, printedCode, firstName: row.first_name, lastName: row.last_name, candidateCode: code };
  });
}

export async function buildReportFixture(db: Kysely<Database>): Promise<ReportFixture> {
  const schoolA = await seedSession(db, { examCode: 'MAT09', year: YEAR, candidates: 5, exempted: [4] });
  const schoolB = await seedSession(db, { examCode: 'MAT09', year: YEAR, candidates: 2 });
  const [c0, c1, c2, c3, c4] = schoolA.candidateCodes as [string, string, string, string, string];
  const rename = async (candidateCode: string, firstName: string, lastName: string) => {
    const candidate = await db.selectFrom('candidates').select('person_id').where('code', '=', candidateCode).executeTakeFirstOrThrow();
    await db.updateTable('persons').set({ first_name: firstName, last_name: lastName }).where('id', '=', candidate.person_id).execute();
  };
  await rename(c0, 'Ērika', LATVIAN_NAME);
  await rename(c1, FORMULA_NAME, 'Liepa');
  await rename(c2, 'Anna', QUOTED_NAME);
  await rename(c3, '+37120000000', 'Ozols');
  await rename(c4, '-Marta\r\nMarija', '@Vītola');

  // Mathematics: the seed's rows "20 7 16", "71 15 57" and "55 10 43" (points 12 + 1.5, 43 + 3, 33 + 2 of 60 + 20).
  const mat09 = schoolA.sessionId;
  const [q0, q1] = schoolB.candidateCodes as [string, string];
  await importScores(
    db,
    mat09,
    scores('candidate_code,took_part,part_1,part_2', [
      `${c0},yes,12,1.5`,
      `${c1},yes,43,3`,
      `${c2},no,,`,
      `${c3},partly,33,2`,
      `${q0},yes,60,20`,
      `${q1},yes,30,10`,
    ]),
    't',
  );

  // English (9th grade, part 4 weighted 0.8) and Latvian (README's example 28, 21, 19 → 56, 70, 95; 68).
  const ang09 = await mainSession(db, 'ANG09');
  const lat09 = await mainSession(db, 'LAT09');
  const applied = '2025-12-02T10:00:00.000Z';
  await register(db, ang09, c0, applied);
  await register(db, ang09, c1, applied, { exempted: 1, international_certificate: INTERNATIONAL });
  await register(db, ang09, c2, applied);
  await register(db, lat09, c0, applied);
  await importScores(db, ang09, scores('candidate_code,took_part,part_1,part_2,part_3,part_4', [`${c0},yes,20,20,20,25`, `${c2},yes,10,10,10,10`]), 't');
  await importScores(db, lat09, scores('candidate_code,took_part,part_1,part_2,part_3', [`${c0},yes,28,21,19`]), 't');

  // A second candidate code of the same person at the same school and year, with a subject outside the groups.
  const first = await db.selectFrom('candidates').selectAll().where('code', '=', c0).executeTakeFirstOrThrow();
  const secondCode = `8${c0.slice(1)}`;
  await db
    .insertInto('candidates')
    .values({ code: secondCode, person_id: first.person_id, school_year: YEAR, institution_id: first.institution_id, class_name: first.class_name })
    .execute();
  const bioal = await mainSession(db, 'BIOAL');
  await register(db, bioal, secondCode, applied);
  await importScores(db, bioal, scores('candidate_code,took_part,part_1,part_2,part_3', [`${secondCode},yes,20,40,10`]), 't');

  for (const session of [mat09, ang09, lat09]) await issueCertificates(db, session, { actor: 't', issuedOn: '2026-06-17' });
  await issueCertificates(db, bioal, { actor: 't', issuedOn: '2026-06-30' });
  // 13:00 Latvian time on 20 June: still valid on 19 June, no longer on the 20th.
  await annulCertificate(db, `2026/${c1}-MAT09`, 'Kļūda', { actor: 't', now: new Date('2026-06-20T10:00:00Z') });

  const institutionA = await db.selectFrom('institutions').select('name').where('id', '=', schoolA.institutionId).executeTakeFirstOrThrow();
  return {
    institutionA: schoolA.institutionId,
    institutionB: schoolB.institutionId,
    institutionAName: institutionA.name,
    mat09Session: mat09,
    ang09Session: ang09,
    lat09Session: lat09,
    bioalSession: bioal,
    a: await people(db, schoolA.candidateCodes),
    b: await people(db, schoolB.candidateCodes),
    secondCode,
  };
}
