/**
 * Verification codes in the register: made when a document is sealed, printed in it, kept only as a hash beside
 * it, and accepted instead of the personal code by the look-up by number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { CERTIFICATE_DATA_FILE } from '../../src/certificate/facts.js';
import { formatVerificationCode, verificationCodeHash } from '../../src/certificate/verification-code.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { importScores } from '../../src/data/scores.js';
import { checkCertificateByNumber } from '../../src/data/verification.js';
import { openAsice } from '../../src/sealing/asic.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const PUBLIC_URL = 'https://eksameni.example.lv';

let coded: TestSealing;
let plain: TestSealing;

beforeAll(async () => {
  coded = await startTestSealing(1, { publicUrl: PUBLIC_URL });
  plain = await startTestSealing(1);
});

afterAll(async () => {
  await coded.close();
  await plain.close();
});

/** The code and address a sealed document carries in its data file. */
function printedVerification(edoc: Uint8Array): { code: string; address: string } {
  const data = JSON.parse(new TextDecoder().decode(openAsice(edoc).files.get(CERTIFICATE_DATA_FILE)!)) as { verification: { code: string; address: string } };
  return data.verification;
}

/** Every value of every table but the sealed documents themselves, as text. */
async function registerText(db: Kysely<Database>): Promise<string> {
  const names = [...new Set((await db.introspection.getTables()).map((t) => t.name))];
  let text = '';
  for (const name of names) {
    const rows = await db
      .selectFrom(name as keyof Database)
      .selectAll()
      .execute();
    text += JSON.stringify(rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => column !== 'edoc'))));
  }
  return text;
}

describe.each(DATABASE_KINDS)('verification codes on %s', (kind) => {
  let test: TestDatabase;
  let s: SeededSession;
  const context = { actor: 'public', channel: 'test' };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const db = test.handle.db;
    s = await seedSession(db, { examCode: 'KUMAL', candidates: 3 });
    const rows = s.candidateCodes.map((code) => `${code},yes,40,20`);
    await importScores(db, s.sessionId, { bytes: new TextEncoder().encode(['candidate_code,took_part,part_1,part_2', ...rows].join('\n')), name: 's.csv' }, 't');
    await issueCertificates(db, s.sessionId, { actor: 't', issuedOn: '2026-06-30' });
    const ids = (await db.selectFrom('certificates').select('id').orderBy('id').execute()).map((r) => r.id);
    // Two documents with a code; the third sealed as before, without one.
    await sealPendingCertificates(db, (f) => coded.pool.seal(f), { certificateIds: ids.slice(0, 2), actor: 't' });
    await sealPendingCertificates(db, (f) => plain.pool.seal(f), { certificateIds: ids.slice(2), actor: 't' });
  });

  afterAll(async () => test.close());

  const documents = () =>
    test.handle.db
      .selectFrom('certificate_documents')
      .innerJoin('certificates', 'certificates.id', 'certificate_documents.certificate_id')
      .select(['certificates.number', 'edoc', 'verification_code_hash'])
      .orderBy('certificates.id')
      .execute();

  it('prints a new code in each document and keeps only its hash with the number, never the code', async () => {
    const [first, second, third] = await documents();
    const codes = [first!, second!].map((d) => printedVerification(new Uint8Array(d.edoc)));
    expect(codes[0]!.code).not.toBe(codes[1]!.code);
    for (const [i, document] of [first!, second!].entries()) {
      const { code, address } = codes[i]!;
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
      expect(address).toBe(`${PUBLIC_URL}/verify?number=${document.number}&code=${code.replaceAll('-', '')}`);
      expect(document.verification_code_hash).toBe(verificationCodeHash(document.number, code));
      // The same code under another number has another hash.
      expect(document.verification_code_hash).not.toBe(verificationCodeHash(second!.number === document.number ? first!.number : second!.number, code));
    }
    expect(third!.verification_code_hash).toBeNull();

    // Look-ups by code are audited too; nothing outside the sealed documents holds a code, in either spelling.
    await checkCertificateByNumber(test.handle.db, first!.number, { verificationCode: codes[0]!.code }, context);
    const everything = await registerText(test.handle.db);
    for (const { code } of codes) {
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(code.replaceAll('-', ''));
    }
    await expect(test.handle.db.updateTable('certificate_documents').set({ verification_code_hash: null }).execute()).rejects.toThrow(/immutable/);
  });

  it('finds a certificate by its number and the code printed on it, however the code is typed', async () => {
    const [first] = await documents();
    const { code } = printedVerification(new Uint8Array(first!.edoc));
    for (const typed of [code, code.replaceAll('-', ''), code.toLowerCase().replaceAll('-', ' '), code.replaceAll('1', 'l').replaceAll('0', 'O')]) {
      const check = await checkCertificateByNumber(test.handle.db, first!.number, { verificationCode: typed }, context);
      expect(check).toMatchObject({ found: true, sealed: true, register: { state: 'issued' }, facts: { number: first!.number } });
    }
    const audit = await test.handle.db
      .selectFrom('audit_log')
      .select(['details'])
      .where('action', '=', 'certificate.verify-number')
      .where('subject', '=', `certificate:${first!.number}`)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toEqual({ found: true, by: 'verification-code' });
  });

  it('answers a wrong code, another certificate’s code, and a code for a document without one like an unknown number', async () => {
    const [first, second, third] = await documents();
    const secondCode = printedVerification(new Uint8Array(second!.edoc)).code;
    const wrong = formatVerificationCode('0000000000000000');
    expect(await checkCertificateByNumber(test.handle.db, first!.number, { verificationCode: wrong }, context)).toEqual({ found: false });
    expect(await checkCertificateByNumber(test.handle.db, first!.number, { verificationCode: secondCode }, context)).toEqual({ found: false });
    expect(await checkCertificateByNumber(test.handle.db, third!.number, { verificationCode: secondCode }, context)).toEqual({ found: false });
    // A document sealed without a code is still found by the holder's personal code.
    const check = await checkCertificateByNumber(test.handle.db, third!.number, { personalCode: s.personalCodes[2]! }, context);
    expect(check).toMatchObject({ found: true, sealed: true });
  });
});
