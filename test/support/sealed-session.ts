/**
 * The register the verification tests check against: a culture-and-arts session of two candidates with their
 * scores, issued certificates and sealed documents (by whatever sealer the test runs).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { sealPendingCertificates, type Sealer } from '../../src/data/sealing.js';
import { importScores } from '../../src/data/scores.js';
import { seedSession, type SeededSession } from './register.js';

export async function sealedKumalSession(db: Kysely<Database>, seal: Sealer): Promise<{ session: SeededSession; documents: Map<string, Uint8Array> }> {
  const session = await seedSession(db, { examCode: 'KUMAL', candidates: 2 });
  const csv = `candidate_code,took_part,part_1,part_2\n${session.candidateCodes[0]},yes,48,29\n${session.candidateCodes[1]},yes,20,10\n`;
  await importScores(db, session.sessionId, { bytes: new TextEncoder().encode(csv), name: 'x.csv' }, 't');
  await issueCertificates(db, session.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  await sealPendingCertificates(db, seal, { actor: 't' });
  const documents = new Map<string, Uint8Array>();
  const rows = await db.selectFrom('certificate_documents').innerJoin('certificates', 'certificates.id', 'certificate_id').select(['number', 'edoc']).execute();
  for (const row of rows) documents.set(row.number, new Uint8Array(row.edoc));
  return { session, documents };
}
