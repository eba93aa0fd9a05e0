/**
 * Annulment by two people: a member of agency staff asks for a certificate to be annulled, with the reason; a
 * second member of agency staff confirms or rejects the request. Only a confirmation annuls, through the same
 * code as the command line's `annul` (certificates.ts); whoever asked can never decide their own request (the
 * database refuses it too). Every step is written to the audit log in the same transaction as the change.
 */
import type { Kysely } from 'kysely';
import type { AnnulmentRequestStatus, Database } from '../../db/schema.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { KeyedError } from '../errors.js';
import { audit } from './audit.js';
import { annulCertificateWithin, CertificateError } from './certificates.js';

/** A request could not be made or decided: a key under `agency.annul.error.` (or `certificate.` from the register). */
export class AnnulmentError extends KeyedError {}

/** Who acts: the staff user (for the two-person rule) and how the audit log names them. */
export interface AgencyActor {
  userId: number;
  actor: string;
}

export interface CertificateMatch {
  number: string;
  state: 'issued' | 'annulled';
  issuedOn: string;
  annulledAt: string | null;
  annulledReason: string | null;
  holderName: string;
  subjectLv: string;
  subjectEn: string;
  /** The open request on it, if there is one. */
  pendingRequestId: number | null;
}

function certificatesWithHolder(db: Kysely<Database>) {
  return db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .leftJoin('annulment_requests', (join) =>
      join.onRef('annulment_requests.certificate_id', '=', 'certificates.id').on('annulment_requests.status', '=', 'pending'),
    )
    .select([
      'certificates.number',
      'certificates.state',
      'certificates.issued_on',
      'certificates.annulled_at',
      'certificates.annulled_reason',
      'persons.first_name',
      'persons.last_name',
      'exams.subject_lv',
      'exams.subject_en',
      'annulment_requests.id as pendingRequestId',
    ]);
}

/** The certificate with this number, or a person's certificates (by personal code), newest first. */
export async function findCertificates(db: Kysely<Database>, query: { number: string } | { personalCode: string }): Promise<CertificateMatch[]> {
  let select = certificatesWithHolder(db);
  if ('number' in query) {
    const parsed = parseCertificateNumber(query.number);
    if (!parsed) return [];
    select = select.where('certificates.number', '=', buildCertificateNumber(parsed));
  } else {
    select = select.where('persons.personal_code', '=', query.personalCode);
  }
  const rows = await select.orderBy('certificates.issued_on', 'desc').orderBy('certificates.number').execute();
  return rows.map((r) => ({
    number: r.number,
    state: r.state,
    issuedOn: r.issued_on,
    annulledAt: r.annulled_at,
    annulledReason: r.annulled_reason,
    holderName: `${r.first_name} ${r.last_name}`,
    subjectLv: r.subject_lv,
    subjectEn: r.subject_en,
    pendingRequestId: r.pendingRequestId,
  }));
}

/** Asks for the certificate to be annulled; the id of the new request. */
export async function requestAnnulment(db: Kysely<Database>, request: { number: string; reason: string }, by: AgencyActor, now = new Date()): Promise<number> {
  const parsed = parseCertificateNumber(request.number);
  if (!parsed) throw new CertificateError('certificate.bad-number', { value: request.number });
  const number = buildCertificateNumber(parsed);
  const reason = request.reason.trim();
  if (reason === '') throw new CertificateError('certificate.reason-required');
  return db.transaction().execute(async (trx) => {
    const certificate = await trx.selectFrom('certificates').select(['id', 'state']).where('number', '=', number).executeTakeFirst();
    if (!certificate) throw new CertificateError('certificate.unknown', { value: number });
    if (certificate.state === 'annulled') throw new CertificateError('certificate.already-annulled', { value: number });
    const open = await trx
      .selectFrom('annulment_requests')
      .select('id')
      .where('certificate_id', '=', certificate.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (open) throw new AnnulmentError('agency.annul.error.alreadyRequested', { value: number });
    const inserted = await trx
      .insertInto('annulment_requests')
      .values({ certificate_id: certificate.id, reason, requested_by: by.userId, requested_at: now.toISOString(), status: 'pending' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(
      trx,
      { actor: by.actor, channel: 'agency', action: 'certificate.annul-request', subject: `certificate:${number}`, details: { request: inserted.id, reason } },
      now,
    );
    return inserted.id;
  });
}

/**
 * Confirms (annuls the certificate) or rejects an open request. Refused to the one who asked, and for a request
 * already decided (two people deciding at once: the second is told).
 */
export async function decideAnnulment(
  db: Kysely<Database>,
  requestId: number,
  decision: 'confirm' | 'reject',
  by: AgencyActor,
  now = new Date(),
): Promise<{ number: string }> {
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('annulment_requests')
      .innerJoin('certificates', 'certificates.id', 'annulment_requests.certificate_id')
      .select(['annulment_requests.requested_by', 'annulment_requests.status', 'annulment_requests.reason', 'certificates.number'])
      .where('annulment_requests.id', '=', requestId)
      .executeTakeFirst();
    if (!request) throw new AnnulmentError('agency.annul.error.unknownRequest');
    if (request.requested_by === by.userId) throw new AnnulmentError('agency.annul.error.ownRequest');
    if (request.status !== 'pending') throw new AnnulmentError('agency.annul.error.alreadyDecided', { value: request.number });
    const status: AnnulmentRequestStatus = decision === 'confirm' ? 'confirmed' : 'rejected';
    const updated = await trx
      .updateTable('annulment_requests')
      .set({ status, decided_by: by.userId, decided_at: now.toISOString() })
      .where('id', '=', requestId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AnnulmentError('agency.annul.error.alreadyDecided', { value: request.number });
    await audit(
      trx,
      {
        actor: by.actor,
        channel: 'agency',
        action: decision === 'confirm' ? 'certificate.annul-confirm' : 'certificate.annul-reject',
        subject: `certificate:${request.number}`,
        details: { request: requestId, requestedBy: `user:${request.requested_by}` },
      },
      now,
    );
    if (decision === 'confirm')
      await annulCertificateWithin(trx, request.number, request.reason, { actor: by.actor, channel: 'agency', now, details: { request: requestId } });
    return { number: request.number };
  });
}

export interface AnnulmentRequestRow {
  id: number;
  number: string;
  holderName: string;
  reason: string;
  status: AnnulmentRequestStatus;
  requestedBy: { userId: number; name: string };
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** Open requests, oldest first (the next to decide on top), or the latest decided ones, newest first. */
export async function listAnnulmentRequests(db: Kysely<Database>, which: 'pending' | 'decided', limit = 50): Promise<AnnulmentRequestRow[]> {
  let query = db
    .selectFrom('annulment_requests')
    .innerJoin('certificates', 'certificates.id', 'annulment_requests.certificate_id')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .innerJoin('users as requester', 'requester.id', 'annulment_requests.requested_by')
    .leftJoin('users as decider', 'decider.id', 'annulment_requests.decided_by')
    .select([
      'annulment_requests.id',
      'certificates.number',
      'persons.first_name',
      'persons.last_name',
      'annulment_requests.reason',
      'annulment_requests.status',
      'annulment_requests.requested_by',
      'requester.display_name as requesterName',
      'annulment_requests.requested_at',
      'decider.display_name as deciderName',
      'annulment_requests.decided_at',
    ])
    .limit(limit);
  query =
    which === 'pending'
      ? query.where('annulment_requests.status', '=', 'pending').orderBy('annulment_requests.requested_at').orderBy('annulment_requests.id')
      : query.where('annulment_requests.status', '<>', 'pending').orderBy('annulment_requests.decided_at', 'desc').orderBy('annulment_requests.id', 'desc');
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    holderName: `${r.first_name} ${r.last_name}`,
    reason: r.reason,
    status: r.status,
    requestedBy: { userId: r.requested_by, name: r.requesterName },
    requestedAt: r.requested_at,
    decidedBy: r.deciderName,
    decidedAt: r.decided_at,
  }));
}
