/**
 * Checking a certificate for anyone: an uploaded .edoc (its seal, and whether the register still holds it as
 * issued), or a number with the holder's personal code. Both answer the same questions in the same shape.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CertificateFacts } from '../certificate/facts.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { verifyEdoc, type TrustAnchors, type VerificationReport } from '../sealing/verify.js';
import { audit } from './audit.js';
import { certificatesWithHolder, loadCertificateFacts } from './certificate-facts.js';

export interface RegisterEntry {
  state: 'issued' | 'annulled';
  annulledReason: string | null;
  annulledAt: string | null;
  /** Whether the uploaded file is byte for byte the document the register sealed. */
  sameAsSealed?: boolean;
}

export interface UploadCheck {
  report: VerificationReport;
  register?: RegisterEntry;
}

async function registerEntry(db: Kysely<Database>, number: string) {
  return db
    .selectFrom('certificates')
    .leftJoin('certificate_documents', 'certificate_documents.certificate_id', 'certificates.id')
    .where('certificates.number', '=', number)
    .select(['certificates.id', 'certificates.state', 'certificates.annulled_reason', 'certificates.annulled_at', 'certificate_documents.sha256'])
    .executeTakeFirst();
}

export async function checkUploadedCertificate(
  db: Kysely<Database>,
  bytes: Uint8Array,
  trust: TrustAnchors,
  context: { actor: string; channel: string },
): Promise<UploadCheck> {
  const report = await verifyEdoc(bytes, trust);
  const check: UploadCheck = { report };
  if (report.genuine && report.facts) {
    const entry = await registerEntry(db, report.facts.number);
    if (entry) {
      check.register = {
        state: entry.state,
        annulledReason: entry.annulled_reason,
        annulledAt: entry.annulled_at,
        sameAsSealed: entry.sha256 === report.sha256,
      };
    }
    await audit(db, { ...context, action: 'certificate.verify-upload', subject: `certificate:${report.facts.number}`, details: { genuine: true, state: entry?.state ?? 'unknown' } });
  }
  return check;
}

export type NumberCheck =
  | { found: false }
  | { found: true; facts: CertificateFacts; register: RegisterEntry; sealed: boolean };

/**
 * Looks a certificate up by its number and the holder's personal code. Without the matching personal code it
 * answers exactly as for a number that does not exist, so numbers cannot be probed.
 */
export async function checkCertificateByNumber(
  db: Kysely<Database>,
  numberText: string,
  personalCode: string,
  context: { actor: string; channel: string },
): Promise<NumberCheck> {
  const parsed = parseCertificateNumber(numberText);
  if (!parsed) return { found: false };
  const number = buildCertificateNumber(parsed);
  const row = await certificatesWithHolder(db)
    .leftJoin('certificate_documents', 'certificate_documents.certificate_id', 'certificates.id')
    .where('certificates.number', '=', number)
    .where('persons.personal_code', '=', personalCode)
    .select(['certificates.id', 'certificates.state', 'certificates.annulled_reason', 'certificates.annulled_at', 'certificate_documents.sha256'])
    .executeTakeFirst();
  await audit(db, { ...context, action: 'certificate.verify-number', subject: `certificate:${number}`, details: { found: Boolean(row) } });
  if (!row) return { found: false };
  const facts = (await loadCertificateFacts(db, [row.id])).get(row.id)!;
  return {
    found: true,
    facts,
    sealed: row.sha256 !== null,
    register: { state: row.state, annulledReason: row.annulled_reason, annulledAt: row.annulled_at },
  };
}
