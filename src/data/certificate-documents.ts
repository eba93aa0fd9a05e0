/**
 * The sealed documents of certificates, in versions. Version 1 is the document as sealed; a later version is an
 * upgrade of it (long-term validation data, an archive time-stamp) carrying the same signature over the same
 * files. No version ever changes once stored (the database refuses updates), downloads hand out the newest, and
 * an uploaded copy is the register's when its signature matches one of them.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { binaryForReading, bytesRead } from '../../db/dialect.js';
import { preparedQueryOf } from '../../db/prepared.js';
import type { Database, DocumentVersionReason } from '../../db/schema.js';
import { KeyedError } from '../errors.js';
import { documentFingerprint, sameFingerprint, type SignatureFingerprint } from '../sealing/fingerprint.js';
import { audit } from './audit.js';

export class DocumentVersionError extends KeyedError {}

const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The row of one version; its fingerprint is read from the document's own signature. */
export function documentVersionRow(
  certificateId: number,
  version: number,
  edoc: Uint8Array,
  sha256: string,
  reason: DocumentVersionReason,
  createdAt: string,
  verificationCodeHash: string | null,
) {
  const fingerprint = documentFingerprint(edoc);
  return {
    certificate_id: certificateId,
    version,
    edoc,
    sha256,
    created_at: createdAt,
    reason,
    signature_value_sha256: fingerprint.signatureValueSha256,
    signed_data: JSON.stringify(fingerprint.signedData),
    verification_code_hash: verificationCodeHash,
  };
}

/** The document a certificate's holder, school or the e-service gets: its newest version, if it is sealed. */
export async function storedDocument(db: Kysely<Database>, certificateId: number) {
  const [document] = await currentDocument(db, certificateId);
  // The column is never null; the read's type allows it for documents reached through an outer join.
  return document && document.edoc !== null ? { ...document, edoc: bytesRead(document.edoc) } : undefined;
}

// Read for every download: prepared once (db/prepared.ts).
const currentDocument = preparedQueryOf(
  (db: Kysely<Database>, certificateId: number) =>
    db
      .selectFrom('current_certificate_documents')
      .select([binaryForReading(db, 'edoc').as('edoc'), 'sha256', 'version', 'created_at as createdAt'])
      .where('certificate_id', '=', certificateId),
  1,
);

/**
 * Stores an upgraded document as the certificate's next version, beside the ones before it. The upgrade must
 * carry the original's signature over the original's files (only unsigned data may be added); anything else is
 * refused, so every version is recognised as the register's by the same signature. Two upgrades stored at the
 * same moment cannot both take one version number: the later one fails and may be tried again.
 */
export async function addDocumentVersion(
  db: Kysely<Database>,
  certificateId: number,
  edoc: Uint8Array,
  reason: Exclude<DocumentVersionReason, 'sealed'>,
  context: {
    actor: string;
    channel: string;
    now?: Date;
    /** The version this one upgrades: refused when it is no longer the newest (another run stored one meanwhile). */
    upgrades?: number;
    /** More to say in the audit entry (e.g. why the upgrade was made). */
    details?: Record<string, string | number>;
  },
): Promise<{ version: number; sha256: string }> {
  let fingerprint: SignatureFingerprint;
  try {
    fingerprint = documentFingerprint(edoc);
  } catch {
    throw new DocumentVersionError('certificate.version-unreadable');
  }
  const sha256 = sha256Hex(edoc);
  const now = context.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    const versions = await fingerprintsOf(trx, certificateId);
    if (versions.length === 0) throw new DocumentVersionError('certificate.version-not-sealed', { id: certificateId });
    if (!sameFingerprint(versions[0]!.fingerprint, fingerprint)) throw new DocumentVersionError('certificate.version-not-an-upgrade', { id: certificateId });
    const newest = Math.max(...versions.map((v) => v.version));
    if (context.upgrades !== undefined && context.upgrades !== newest)
      throw new DocumentVersionError('preserve.version-outdated', { id: certificateId, version: context.upgrades });
    const version = newest + 1;
    // An upgrade keeps the PDF, and so the verification code printed in it.
    const original = await trx
      .selectFrom('certificate_documents')
      .select('verification_code_hash')
      .where('certificate_id', '=', certificateId)
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('certificate_documents')
      .values(documentVersionRow(certificateId, version, edoc, sha256, reason, now.toISOString(), original.verification_code_hash))
      .execute();
    const certificate = await trx.selectFrom('certificates').select('number').where('id', '=', certificateId).executeTakeFirstOrThrow();
    await audit(
      trx,
      { actor: context.actor, channel: context.channel, action: 'certificate.document-version', subject: `certificate:${certificate.number}`, details: { ...context.details, version, reason } },
      now,
    );
    return { version, sha256 };
  });
}

/**
 * What each stored version's signature covers, oldest first. Documents stored before versions existed have no
 * fingerprint in their row yet; it is read from their bytes here (rows are never updated, so it stays that way).
 */
export async function fingerprintsOf(db: Kysely<Database>, certificateId: number): Promise<{ version: number; fingerprint: SignatureFingerprint }[]> {
  const rows = await db
    .selectFrom('certificate_documents')
    .select(['version', 'signature_value_sha256', 'signed_data'])
    .where('certificate_id', '=', certificateId)
    .orderBy('version')
    .execute();
  const found: { version: number; fingerprint: SignatureFingerprint }[] = [];
  for (const row of rows) {
    if (row.signature_value_sha256 !== null && row.signed_data !== null) {
      found.push({ version: row.version, fingerprint: { signatureValueSha256: row.signature_value_sha256, signedData: JSON.parse(row.signed_data) as Record<string, string> } });
      continue;
    }
    const { edoc } = await db
      .selectFrom('certificate_documents')
      .select('edoc')
      .where('certificate_id', '=', certificateId)
      .where('version', '=', row.version)
      .executeTakeFirstOrThrow();
    found.push({ version: row.version, fingerprint: documentFingerprint(new Uint8Array(edoc)) });
  }
  return found;
}
