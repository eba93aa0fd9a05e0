/**
 * The contents of a school's bulk certificate download: every issued certificate of one session for the
 * institution, read from the database in keyset batches so that memory holds one batch at a time however large
 * the session is (the index keeps a line per certificate, a few dozen bytes each), then an index of the files
 * (number, name) and, only when something was left out (annulled, or not sealable right now), a text file
 * listing it. Each
 * certificate's newest document version is sent; certificates without a stored document are sealed on demand.
 * Each batch is audited as it is read.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { audit } from './audit.js';
import { sealPendingCertificates, type Sealer } from './sealing.js';

export interface ArchiveScope {
  sessionId: number;
  /** Null: every institution (agency staff). */
  institutionId: number | null;
}

export interface ArchiveEntry {
  name: string;
  data: Uint8Array;
  mtime?: Date;
}

export interface AnnulledCertificate {
  number: string;
  annulledAt: string | null;
  reason: string | null;
}

export interface ArchiveNote {
  annulled: AnnulledCertificate[];
  /** Issued certificates that have no document and could not be sealed now. */
  unavailable: string[];
}

/** One certificate in the archive, as its index lists it. */
export interface ArchiveIndexEntry {
  number: string;
  firstName: string;
  lastName: string;
  fileName: string;
}

export interface CertificateArchiveOptions extends ArchiveScope {
  actor: string;
  /** Seals certificates that have no document yet; without it they are listed as unavailable. */
  seal?: Sealer;
  batchSize?: number;
  /** The text file with the list of what was left out; not written when nothing was. */
  note: (note: ArchiveNote) => { name: string; text: string };
  /** The index of the certificates in the archive, in the order they were written. */
  index: (entries: ArchiveIndexEntry[]) => { name: string; text: string };
  /** Called after each batch is read from the database (tests watch the streaming through it). */
  onBatch?: (size: number) => void;
}

const DEFAULT_BATCH = 50;

/** "2026/310000000001-KUMAL" → "2026-310000000001-KUMAL.edoc". */
export function archiveEntryName(number: string): string {
  return `${number.replace(/[^0-9A-Za-z-]/g, '-')}.edoc`;
}

function certificatesOfScope(db: Kysely<Database>, scope: ArchiveScope) {
  let query = db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('registrations.session_id', '=', scope.sessionId);
  if (scope.institutionId !== null) query = query.where('candidates.institution_id', '=', scope.institutionId);
  return query;
}

export async function annulledCertificates(db: Kysely<Database>, scope: ArchiveScope): Promise<AnnulledCertificate[]> {
  return certificatesOfScope(db, scope)
    .where('certificates.state', '=', 'annulled')
    .select(['certificates.number', 'certificates.annulled_at as annulledAt', 'certificates.annulled_reason as reason'])
    .orderBy('certificates.number')
    .execute();
}

async function issuedBatch(db: Kysely<Database>, scope: ArchiveScope, afterId: number, limit: number) {
  return certificatesOfScope(db, scope)
    .leftJoin('current_certificate_documents as document', 'document.certificate_id', 'certificates.id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .where('certificates.state', '=', 'issued')
    .where('certificates.id', '>', afterId)
    .select(['certificates.id', 'certificates.number', 'document.edoc', 'document.created_at as sealedAt', 'persons.first_name as firstName', 'persons.last_name as lastName'])
    .orderBy('certificates.id')
    .limit(limit)
    .execute();
}

async function storedDocuments(db: Kysely<Database>, certificateIds: number[]) {
  const rows = await db
    .selectFrom('current_certificate_documents')
    .select(['certificate_id', 'edoc', 'created_at'])
    .where('certificate_id', 'in', certificateIds)
    .execute();
  return new Map(rows.map((r) => [r.certificate_id, { edoc: r.edoc, sealedAt: r.created_at }]));
}

/**
 * The archive's entries, one certificate at a time. Reading is driven by the consumer: the next batch is read
 * only when the entries of the previous one have been taken. The bulk download is audited when the consumer
 * finishes or stops early (then marked incomplete).
 */
export async function* certificateArchive(db: Kysely<Database>, options: CertificateArchiveOptions): AsyncGenerator<ArchiveEntry> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const unavailable: string[] = [];
  const index: ArchiveIndexEntry[] = [];
  /** Entries handed to the consumer (the last may not have reached the client if it went away). */
  let added = 0;
  let complete = false;
  try {
    let afterId = 0;
    for (;;) {
      const batch = await issuedBatch(db, options, afterId, batchSize);
      options.onBatch?.(batch.length);
      if (batch.length === 0) break;
      afterId = batch.at(-1)!.id;

      const missing = batch.filter((c) => c.edoc === null).map((c) => c.id);
      if (missing.length > 0 && options.seal) {
        await sealPendingCertificates(db, options.seal, { certificateIds: missing, actor: options.actor, channel: 'school' });
      }
      const sealed = missing.length > 0 ? await storedDocuments(db, missing) : new Map<number, { edoc: Uint8Array; sealedAt: string }>();
      const ready: ArchiveEntry[] = [];
      const readyNumbers: string[] = [];
      for (const certificate of batch) {
        const document = certificate.edoc !== null ? { edoc: certificate.edoc, sealedAt: certificate.sealedAt! } : sealed.get(certificate.id);
        if (!document) {
          unavailable.push(certificate.number);
          continue;
        }
        const name = archiveEntryName(certificate.number);
        ready.push({ name, data: document.edoc, mtime: new Date(document.sealedAt) });
        readyNumbers.push(certificate.number);
        index.push({ number: certificate.number, firstName: certificate.firstName, lastName: certificate.lastName, fileName: name });
      }
      if (ready.length > 0) await auditDownloads(db, readyNumbers, options);
      for (const entry of ready) {
        added++;
        yield entry;
      }
    }
    const listed = options.index(index);
    yield { name: listed.name, data: new TextEncoder().encode(listed.text) };
    const annulled = await annulledCertificates(db, options);
    if (annulled.length > 0 || unavailable.length > 0) {
      const note = options.note({ annulled, unavailable });
      yield { name: note.name, data: new TextEncoder().encode(note.text) };
    }
    complete = true;
  } finally {
    await audit(db, {
      actor: options.actor,
      channel: 'school',
      action: 'certificates.bulk-download',
      subject: `session:${options.sessionId}`,
      details: { institution: options.institutionId, count: added, ...(complete ? {} : { incomplete: true }) },
    });
  }
}

async function auditDownloads(db: Kysely<Database>, numbers: readonly string[], options: CertificateArchiveOptions): Promise<void> {
  const at = new Date().toISOString();
  // The institution the download was made for, so the holder's access history can name it (null: the agency's).
  const details = JSON.stringify({ bulk: true, session: options.sessionId, institution: options.institutionId });
  await db
    .insertInto('audit_log')
    .values(numbers.map((number) => ({ at, actor: options.actor, action: 'certificate.download', subject: `certificate:${number}`, channel: 'school', details })))
    .execute();
}
