/**
 * Checking a certificate for anyone: an uploaded .edoc (its seal, and whether the register still holds it as
 * issued), or a number with the holder's personal code. Both answer the same questions in the same shape.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CertificateFacts } from '../certificate/facts.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { sameFingerprint } from '../sealing/fingerprint.js';
import { verificationCodeHash } from '../certificate/verification-code.js';
import type { VerificationReport } from '../sealing/verify.js';
import { audit } from './audit.js';
import { fingerprintsOf } from './certificate-documents.js';
import { certificatesWithHolder, loadCertificateFacts } from './certificate-facts.js';
import { whereReleased } from './release.js';

export interface RegisterEntry {
  state: 'issued' | 'annulled';
  annulledReason: string | null;
  annulledAt: string | null;
}

/**
 * Checks an uploaded file's container and seal (`verifyEdoc` with the trust anchors). The portal gives this to
 * its verification worker pool: the file is anyone's, and so is the work of opening it.
 */
export type EdocVerifier = (bytes: Uint8Array) => Promise<VerificationReport>;

export interface UploadCheck {
  report: VerificationReport;
  register?: RegisterEntry;
}

async function registerEntry(db: Kysely<Database>, number: string) {
  return db
    .selectFrom('certificates')
    .where('certificates.number', '=', number)
    .select(['certificates.id', 'certificates.state', 'certificates.annulled_reason', 'certificates.annulled_at'])
    .executeTakeFirst();
}

export async function checkUploadedCertificate(
  db: Kysely<Database>,
  bytes: Uint8Array,
  verify: EdocVerifier,
  context: { actor: string; channel: string },
): Promise<UploadCheck> {
  const report = await verify(bytes);
  const check: UploadCheck = { report };
  if (report.genuine && report.facts) {
    const number = report.facts.number;
    const entry = await registerEntry(db, number);
    if (entry) {
      check.register = { state: entry.state, annulledReason: entry.annulled_reason, annulledAt: entry.annulled_at };
      // The register keeps what its seal covers in every version it stored: the signature value and the signed
      // files. A copy zipped again, or a later version with more unsigned data, is the certificate; a validly
      // sealed file under this number with another signature (an older seal, a copy re-sealed elsewhere) is not.
      const stored = await fingerprintsOf(db, entry.id);
      const uploaded = report.fingerprint;
      if (!uploaded || !stored.some((version) => sameFingerprint(version.fingerprint, uploaded))) {
        report.genuine = false;
        report.problems.push({ key: 'verify.register-mismatch' });
        delete report.facts;
      }
    }
    await audit(db, { ...context, action: 'certificate.verify-upload', subject: `certificate:${number}`, details: { genuine: report.genuine, state: entry?.state ?? 'unknown' } });
  }
  return check;
}

export type NumberCheck =
  | { found: false }
  | { found: true; facts: CertificateFacts; register: RegisterEntry; sealed: boolean };

/**
 * What entitles the asker to the answer: the holder's personal code (11 digits), or the verification code
 * printed on the sealed document (normalised, compared by its hash).
 */
export type HolderProof = { personalCode: string } | { verificationCode: string };

/**
 * Looks a certificate up by its number and the holder's personal code or the document's verification code.
 * Without the matching code it answers exactly as for a number that does not exist, so numbers cannot be probed.
 */
export async function checkCertificateByNumber(
  db: Kysely<Database>,
  numberText: string,
  proof: HolderProof,
  context: { actor: string; channel: string },
  now = new Date(),
): Promise<NumberCheck> {
  const parsed = parseCertificateNumber(numberText);
  if (!parsed) return { found: false };
  const number = buildCertificateNumber(parsed);
  const row = await certificatesWithHolder(db)
    .leftJoin('current_certificate_documents as document', 'document.certificate_id', 'certificates.id')
    .where('certificates.number', '=', number)
    .$call((query) =>
      'personalCode' in proof
        ? query.where('persons.personal_code', '=', proof.personalCode)
        : query.where('document.verification_code_hash', '=', verificationCodeHash(number, proof.verificationCode)),
    )
    // Before its release moment a result does not exist for anyone, here as on the student pages.
    .$call(whereReleased('public', now))
    .select([
      'certificates.id',
      'certificates.state',
      'certificates.annulled_reason',
      'certificates.annulled_at',
      'document.sha256',
    ])
    .executeTakeFirst();
  const by = 'personalCode' in proof ? 'personal-code' : 'verification-code';
  await audit(db, { ...context, action: 'certificate.verify-number', subject: `certificate:${number}`, details: { found: row !== undefined, by } });
  if (!row) return { found: false };
  const facts = (await loadCertificateFacts(db, [row.id])).get(row.id)!;
  return {
    found: true,
    facts,
    sealed: row.sha256 !== null,
    register: { state: row.state, annulledReason: row.annulled_reason, annulledAt: row.annulled_at },
  };
}
