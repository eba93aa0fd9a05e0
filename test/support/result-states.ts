/**
 * A register with one person in each state the student results page explains (see test/web/results-states.test.ts
 * and test/browser/results-states.test.ts), made through the data layer as imports and staff make them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { findExam, installCatalogue, setReleaseMoments } from '../../src/data/catalogue.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { annulWork } from '../../src/data/work-annulment.js';
import { seedSession, type SeededSession } from './register.js';

/** 2025/26 results are out (basic 26 June, secondary 3 July 2026) and inside the six months. */
export const RESULT_STATES_NOW = new Date('2026-07-10T10:00:00Z');
/** The register's own moment for 2026/27 secondary results, on purpose not the default 3 July 09:00: 11:30 in Riga. */
export const MOVED_RELEASE = new Date('2027-07-02T08:30:00Z');

export type ResultStatePerson =
  'result' | 'partly' | 'absent' | 'work-annulled' | 'certificate-annulled' | 'exempted-female' | 'exempted-male' | 'international';

export type ResultStatePeople = Map<ResultStatePerson, number>;

export async function seedResultStates(
  db: Kysely<Database>,
): Promise<{ kumal: SeededSession; lat09: SeededSession; angol: SeededSession; ids: ResultStatePeople }> {
  const ids: ResultStatePeople = new Map();
  const personOf = async (personalCode: string) =>
    (await db.selectFrom('persons').select('id').where('personal_code', '=', personalCode).executeTakeFirstOrThrow()).id;
  const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });
  const kumal = await seedSession(db, { examCode: 'KUMAL', candidates: 5 });
  const lat09 = await seedSession(db, { examCode: 'LAT09', candidates: 2, exempted: [0, 1] });
  const angol = await seedSession(db, { examCode: 'ANGOL', candidates: 1, exempted: [0] });
  await importScores(
    db,
    kumal.sessionId,
    csv('candidate_code,took_part,part_1,part_2', [
      `${kumal.candidateCodes[0]},yes,48,29`,
      `${kumal.candidateCodes[1]},partly,40,0`,
      `${kumal.candidateCodes[2]},no,,`,
      `${kumal.candidateCodes[3]},yes,30,20`,
      `${kumal.candidateCodes[4]},yes,20,20`,
    ]),
    't',
  );
  await annulWork(db, kumal.sessionId, kumal.candidateCodes[3]!, 'Eksāmenā izmantoti neatļauti palīglīdzekļi', {
    actor: 't',
    now: new Date('2026-06-20T07:00:00Z'),
  });
  await issueCertificates(db, kumal.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  await annulCertificate(db, `2026/${kumal.candidateCodes[4]}-KUMAL`, 'Kļūda vērtējumā', { actor: 't', now: new Date('2026-07-08T09:00:00Z') });
  // The international certificate stands in the register beside the exemption, as the school enters it.
  await db.updateTable('registrations').set({ international_certificate: 'IELTS Academic C1' }).where('exempted', '=', 1).execute();
  await db
    .updateTable('registrations')
    .set({ international_certificate: null })
    .where('candidate_id', 'in', db.selectFrom('candidates').select('id').where('code', 'in', lat09.candidateCodes))
    .execute();

  ids.set('result', await personOf(kumal.personalCodes[0]!));
  ids.set('partly', await personOf(kumal.personalCodes[1]!));
  ids.set('absent', await personOf(kumal.personalCodes[2]!));
  ids.set('work-annulled', await personOf(kumal.personalCodes[3]!));
  ids.set('certificate-annulled', await personOf(kumal.personalCodes[4]!));
  ids.set('exempted-female', await personOf(lat09.personalCodes[0]!));
  ids.set('exempted-male', await personOf(lat09.personalCodes[1]!));
  ids.set('international', await personOf(angol.personalCodes[0]!));
  await db.updateTable('persons').set({ gender: 'female' }).where('id', '=', ids.get('exempted-female')!).execute();
  await db.updateTable('persons').set({ gender: 'male' }).where('id', '=', ids.get('exempted-male')!).execute();

  // The first person also has two exams of the next school year still to come, at a moment the register moved.
  await installCatalogue(db, 2026);
  await setReleaseMoments(db, 't', 2026, { secondary: MOVED_RELEASE });
  const pendingPerson = ids.get('result')!;
  const candidate = await db
    .insertInto('candidates')
    .values({ code: '999998000001', person_id: pendingPerson, school_year: 2026, institution_id: kumal.institutionId, class_name: '12.a' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const code of ['LATOL', 'MATOL']) {
    const exam = (await findExam(db, code, 2026))!;
    const session = await db.selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
    await db.insertInto('registrations').values({ session_id: session.id, candidate_id: candidate.id, applied_at: '2026-12-01T10:00:00.000Z' }).execute();
  }

  return { kumal, lat09, angol, ids };
}
