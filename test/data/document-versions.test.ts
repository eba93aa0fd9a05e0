/**
 * Sealed documents in versions, on every database: each version immutable, upgrades stored beside the original,
 * downloads getting the newest, and an uploaded copy recognised as the register's by what its seal covers (not
 * by its ZIP bytes). Documents stored before versions existed become version 1.
 */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../db/connect.js';
import { migrationProvider } from '../../db/migrations/index.js';
import type { Database } from '../../db/schema.js';
import { certificateArchive } from '../../src/data/certificate-archive.js';
import { addDocumentVersion, DocumentVersionError, storedDocument } from '../../src/data/certificate-documents.js';
import { loadCertificateFacts } from '../../src/data/certificate-facts.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { importScores } from '../../src/data/scores.js';
import { checkUploadedCertificate } from '../../src/data/verification.js';
import { sealCertificate } from '../../src/sealing/seal.js';
import { openSigner } from '../../src/sealing/signer-spec.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { DATABASE_KINDS, openTestDatabase } from '../support/databases.js';
import { rezip, unzipEntries, withCertificateValues } from '../support/edoc.js';
import { seedSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import type { Kysely } from 'kysely';

let sealing: TestSealing;

beforeAll(async () => {
  sealing = await startTestSealing(1);
});

afterAll(async () => sealing?.close());

const context = { actor: 't', channel: 'cli' };

/**
 * `oldSchema`: the database is still at an earlier migration, so the scores go in as rows rather than through the
 * import, whose history table that schema does not have yet.
 */
async function issuedCertificate(
  db: Kysely<Database>,
  oldSchema = false,
): Promise<{ id: number; number: string; sessionId: number; institutionId: number }> {
  const s = await seedSession(db, { examCode: 'KUMAL', candidates: 1 });
  if (oldSchema) {
    const registration = await db
      .selectFrom('registrations')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .select('registrations.id')
      .where('candidates.code', '=', s.candidateCodes[0]!)
      .where('registrations.session_id', '=', s.sessionId)
      .executeTakeFirstOrThrow();
    const sitting = await db
      .insertInto('sittings')
      .values({ registration_id: registration.id, took_part: 'yes', updated_at: '2026-06-20T10:00:00.000Z' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('sitting_points')
      .values([
        { sitting_id: sitting.id, part_no: 1, points_hundredths: 4000 },
        { sitting_id: sitting.id, part_no: 2, points_hundredths: 2000 },
      ])
      .execute();
  } else {
    const csv = `candidate_code,took_part,part_1,part_2\n${s.candidateCodes[0]},yes,40,20\n`;
    await importScores(db, s.sessionId, { bytes: new TextEncoder().encode(csv), name: 's.csv' }, 't');
  }
  await issueCertificates(db, s.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  const certificate = await db.selectFrom('certificates').select(['id', 'number']).where('number', 'like', `%${s.candidateCodes[0]}%`).executeTakeFirstOrThrow();
  return { ...certificate, sessionId: s.sessionId, institutionId: s.institutionId };
}

async function sealedCertificate(db: Kysely<Database>) {
  const certificate = await issuedCertificate(db);
  await sealPendingCertificates(db, (f) => sealing.pool.seal(f), { certificateIds: [certificate.id], actor: 't' });
  return certificate;
}

const upload = (db: Kysely<Database>, bytes: Uint8Array) => checkUploadedCertificate(db, bytes, (b) => verifyEdoc(b, sealing.setup.trust), context);

/** Another seal by the same key over the same facts at the same signing time: the same files, another signature. */
async function sealedAgain(db: Kysely<Database>, certificateId: number, original: Uint8Array): Promise<Uint8Array> {
  const facts = (await loadCertificateFacts(db, [certificateId])).get(certificateId)!;
  const xml = new TextDecoder().decode(unzipEntries(original).find(([name]) => name.endsWith('signatures0.xml'))![1]);
  const signingTime = new Date(/<xades:SigningTime>([^<]+)</.exec(xml)![1]!);
  const signer = await openSigner(sealing.setup.signer);
  try {
    return (await sealCertificate(facts, { signer, now: signingTime })).edoc;
  } finally {
    await signer.close();
  }
}

describe.each(DATABASE_KINDS)('sealed document versions on %s', (kind) => {
  it('stores an upgrade as version 2 beside the untouched original; downloads get version 2; no version can change', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const certificate = await sealedCertificate(db);
      const original = (await storedDocument(db, certificate.id))!;
      expect(original.version).toBe(1);
      const first = await db.selectFrom('certificate_documents').selectAll().where('certificate_id', '=', certificate.id).executeTakeFirstOrThrow();
      expect(first).toMatchObject({ version: 1, reason: 'sealed' });
      expect(first.signature_value_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.keys(JSON.parse(first.signed_data!) as object)).toEqual(['Sertifikāts ' + certificate.number.replace('/', '-') + '.pdf', 'certificate-data.json'].sort());

      const upgraded = withCertificateValues(new Uint8Array(original.edoc));
      expect((await verifyEdoc(upgraded, sealing.setup.trust)).problems).toEqual([]);
      const added = await addDocumentVersion(db, certificate.id, upgraded, 'archive-timestamp', { ...context, now: new Date('2027-01-01T00:00:00Z') });
      expect(added.version).toBe(2);

      // Downloads: the holder's and the e-service's (storedDocument), and a school's archive.
      const current = (await storedDocument(db, certificate.id))!;
      expect(current.version).toBe(2);
      expect(Buffer.from(current.edoc).equals(Buffer.from(upgraded))).toBe(true);
      expect(current.sha256).toBe(added.sha256);
      const archived = [];
      for await (const entry of certificateArchive(db, { sessionId: certificate.sessionId, institutionId: certificate.institutionId, actor: 't', note: () => ({ name: 'note.txt', text: '' }), index: () => ({ name: 'index.csv', text: '' }) })) {
        archived.push(entry);
      }
      expect(archived.filter((e) => e.name.endsWith('.edoc')).map((e) => Buffer.from(e.data).equals(Buffer.from(upgraded)))).toEqual([true]);

      // The original is still there as it was, and nothing stored can change.
      const versions = await db.selectFrom('certificate_documents').select(['version', 'reason', 'created_at', 'edoc']).where('certificate_id', '=', certificate.id).orderBy('version').execute();
      expect(versions.map((v) => [v.version, v.reason])).toEqual([
        [1, 'sealed'],
        [2, 'archive-timestamp'],
      ]);
      expect(versions[1]!.created_at).toBe('2027-01-01T00:00:00.000Z');
      expect(Buffer.from(versions[0]!.edoc).equals(Buffer.from(original.edoc))).toBe(true);
      for (const version of [1, 2]) {
        await expect(
          db.updateTable('certificate_documents').set({ edoc: new Uint8Array([1]) }).where('certificate_id', '=', certificate.id).where('version', '=', version).execute(),
        ).rejects.toThrow(/immutable/);
        await expect(db.updateTable('certificate_documents').set({ reason: 'long-term-data' }).where('version', '=', version).execute()).rejects.toThrow(/immutable/);
      }
      // Only the first version is the sealing; a later one is always an upgrade.
      await expect(
        db.insertInto('certificate_documents').values({ ...first, version: 3, reason: 'sealed' }).execute(),
      ).rejects.toThrow();

      const audits = await db.selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'certificate.document-version').execute();
      expect(audits).toEqual([{ subject: `certificate:${certificate.number}`, details: JSON.stringify({ version: 2, reason: 'archive-timestamp' }) }]);
    } finally {
      await test.close();
    }
  });

  it('refuses as a version anything but an upgrade of the sealed original', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const certificate = await sealedCertificate(db);
      const original = new Uint8Array((await storedDocument(db, certificate.id))!.edoc);
      const refusal = (promise: Promise<unknown>) => promise.then(
        () => undefined,
        (error: unknown) => (error instanceof DocumentVersionError ? error.key : error),
      );
      expect(await refusal(addDocumentVersion(db, certificate.id, await sealedAgain(db, certificate.id, original), 'archive-timestamp', context))).toBe(
        'certificate.version-not-an-upgrade',
      );
      expect(await refusal(addDocumentVersion(db, certificate.id, new Uint8Array([1, 2, 3]), 'archive-timestamp', context))).toBe('certificate.version-unreadable');
      const unsealed = await issuedCertificate(db);
      expect(await refusal(addDocumentVersion(db, unsealed.id, original, 'archive-timestamp', context))).toBe('certificate.version-not-sealed');
      expect(await db.selectFrom('certificate_documents').select('version').where('certificate_id', '=', certificate.id).execute()).toEqual([{ version: 1 }]);
    } finally {
      await test.close();
    }
  });

  it("recognises the register's document by what its seal covers: zipped anew or upgraded it is genuine, sealed again it is not", async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const certificate = await sealedCertificate(db);
      const original = new Uint8Array((await storedDocument(db, certificate.id))!.edoc);

      const rezipped = rezip(original);
      expect(Buffer.from(rezipped).equals(Buffer.from(original))).toBe(false);
      const again = await upload(db, rezipped);
      expect(again.report.problems).toEqual([]);
      expect(again.report).toMatchObject({ genuine: true, facts: { number: certificate.number } });
      expect(again.register?.state).toBe('issued');

      const upgraded = withCertificateValues(original);
      await addDocumentVersion(db, certificate.id, upgraded, 'long-term-data', context);
      for (const copy of [original, upgraded, rezip(upgraded)]) {
        const check = await upload(db, copy);
        expect(check.report.problems).toEqual([]);
        expect(check.report.genuine).toBe(true);
      }

      const resealed = await sealedAgain(db, certificate.id, original);
      const [ours, theirs] = [(await verifyEdoc(original, sealing.setup.trust)).fingerprint!, (await verifyEdoc(resealed, sealing.setup.trust)).fingerprint!];
      expect(theirs.signedData).toEqual(ours.signedData);
      expect(theirs.signatureValueSha256).not.toBe(ours.signatureValueSha256);
      const foreign = await upload(db, resealed);
      expect(foreign.report.genuine).toBe(false);
      expect(foreign.report.problems).toEqual([{ key: 'verify.register-mismatch' }]);
      expect(foreign.report.facts).toBeUndefined();
      expect(foreign.register?.state).toBe('issued');
    } finally {
      await test.close();
    }
  });

  it('keeps documents stored before versions as version 1 and still recognises them', async () => {
    const test = await openTestDatabase(kind, { prepare: false });
    try {
      const db = test.handle.db;
      const migrationTableSchema = kind === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]!.name : undefined;
      const { error } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema }).migrateTo('0007_audit_representative');
      expect(error).toBeUndefined();
      const { id } = await issuedCertificate(db, true);
      const sealed = await sealing.pool.seal((await loadCertificateFacts(db, [id])).get(id)!);
      await sql`insert into certificate_documents (certificate_id, edoc, sha256, sealed_at) values (${id}, ${sealed.edoc}, ${sealed.sha256}, ${'2026-06-30T10:00:00.000Z'})`.execute(db);

      await migrateToLatest(test.handle);
      const rows = await db.selectFrom('certificate_documents').selectAll().execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ certificate_id: id, version: 1, reason: 'sealed', sha256: sealed.sha256, created_at: '2026-06-30T10:00:00.000Z', signature_value_sha256: null, signed_data: null });
      await expect(db.updateTable('certificate_documents').set({ sha256: '0'.repeat(64) }).execute()).rejects.toThrow(/immutable/);

      const check = await upload(db, rezip(sealed.edoc));
      expect(check.report.problems).toEqual([]);
      expect(check.report.genuine).toBe(true);
      expect((await addDocumentVersion(db, id, withCertificateValues(sealed.edoc), 'archive-timestamp', context)).version).toBe(2);
    } finally {
      await test.close();
    }
  });
});
