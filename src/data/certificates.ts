/** The certificate register: numbering at issue, annulment. Sealing the documents comes on top of this. */
import type { Kysely } from 'kysely';
import { KeyedError } from '../errors.js';
import type { Database } from '../../db/schema.js';
import { buildCertificateNumber, parseCertificateNumber } from '../domain/certificate-number.js';
import { rigaDate } from '../domain/riga-time.js';
import { audit } from './audit.js';
import { findExamSessionWithExam, lockExamSession } from './exam-sessions.js';

export class CertificateError extends KeyedError {}

export interface IssueResult {
  issued: number;
  alreadyIssued: number;
  /** Sittings that get no certificate: did not attend, work annulled, exempted, or incomplete points. */
  notEligible: number;
  /** The number this sitting would get already belongs to another certificate (e.g. one annulled earlier). */
  conflicts: string[];
}

const BATCH = 500;

/**
 * Creates certificate records (number and issue date) for everyone in the session who took part and has
 * every part scored, in one transaction. Idempotent: a sitting with a certificate is left alone, so a second
 * run issues nothing; a number that already exists (say, of a certificate annulled earlier) is reported, not
 * overwritten.
 */
export async function issueCertificates(
  db: Kysely<Database>,
  sessionId: number,
  options: { actor: string; channel?: string; now?: Date; issuedOn?: string; onProgress?: (done: number, total: number) => void },
): Promise<IssueResult> {
  const session = await findExamSessionWithExam(db, sessionId);
  if (!session) throw new CertificateError('session.unknown', { id: sessionId });
  const now = options.now ?? new Date();
  const issuedOn = options.issuedOn ?? rigaDate(now);
  const year = Number(issuedOn.slice(0, 4));
  const partCount = session.exam.parts.length;

  return db.transaction().execute(async (trx) => {
    // Under the session lock no import can change a score between the eligibility check and the insert.
    await lockExamSession(trx, sessionId);
    const sittings = await trx
      .selectFrom('sittings')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .where('registrations.session_id', '=', sessionId)
      .select((eb) => [
        'sittings.id as sittingId',
        'sittings.took_part as tookPart',
        'sittings.work_annulled as workAnnulled',
        'registrations.exempted',
        'candidates.code as candidateCode',
        'certificates.id as certificateId',
        eb
          .selectFrom('sitting_points')
          .whereRef('sitting_points.sitting_id', '=', 'sittings.id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('scoredParts'),
      ])
      .orderBy('sittings.id')
      .execute();

    const result: IssueResult = { issued: 0, alreadyIssued: 0, notEligible: 0, conflicts: [] };
    const toIssue: { sittingId: number; number: string }[] = [];
    for (const s of sittings) {
      if (s.certificateId !== null) result.alreadyIssued++;
      else if (partCount === 0 || s.tookPart === 'no' || s.workAnnulled === 1 || s.exempted === 1 || Number(s.scoredParts) !== partCount) {
        result.notEligible++;
      } else {
        toIssue.push({ sittingId: s.sittingId, number: buildCertificateNumber({ year, candidateCode: s.candidateCode, examCode: session.exam.code }) });
      }
    }

    const taken = new Set<string>();
    for (let i = 0; i < toIssue.length; i += BATCH) {
      const numbers = toIssue.slice(i, i + BATCH).map((c) => c.number);
      const rows = await trx.selectFrom('certificates').select('number').where('number', 'in', numbers).execute();
      rows.forEach((r) => taken.add(r.number));
    }
    const fresh = toIssue.filter((c) => !taken.has(c.number));
    result.conflicts = toIssue.filter((c) => taken.has(c.number)).map((c) => c.number);

    const stamp = now.toISOString();
    for (let i = 0; i < fresh.length; i += BATCH) {
      const batch = fresh.slice(i, i + BATCH);
      const inserted = await trx
        .insertInto('certificates')
        .values(batch.map((c) => ({ number: c.number, sitting_id: c.sittingId, issued_on: issuedOn, state: 'issued' as const, created_at: stamp })))
        .returning('id')
        .execute();
      result.issued += inserted.length;
      options.onProgress?.(Math.min(i + BATCH, fresh.length), fresh.length);
    }
    if (result.issued > 0) {
      await audit(trx, {
        actor: options.actor,
        channel: options.channel ?? 'cli',
        action: 'certificates.issue',
        subject: `session:${sessionId}`,
        details: { count: result.issued, issuedOn, first: fresh[0]!.number, last: fresh.at(-1)!.number },
      }, now);
    }
    return result;
  });
}

/** Annuls an issued certificate with a reason. The record and any sealed document stay; only the state changes. */
export async function annulCertificate(
  db: Kysely<Database>,
  number: string,
  reason: string,
  options: { actor: string; channel?: string; now?: Date; details?: Record<string, unknown> },
): Promise<void> {
  await db.transaction().execute((trx) => annulCertificateWithin(trx, number, reason, options));
}

/**
 * The annulment itself, inside the caller's transaction: the command line's `annul` and the agency's confirmed
 * two-person request both come here. `details` adds to the audit entry (such as the request it confirms).
 */
export async function annulCertificateWithin(
  trx: Kysely<Database>,
  number: string,
  reason: string,
  options: { actor: string; channel?: string; now?: Date; details?: Record<string, unknown> },
): Promise<void> {
  const parsed = parseCertificateNumber(number);
  if (!parsed) throw new CertificateError('certificate.bad-number', { value: number });
  const normalised = buildCertificateNumber(parsed);
  const trimmedReason = reason.trim();
  if (trimmedReason === '') throw new CertificateError('certificate.reason-required');
  const now = options.now ?? new Date();
  const certificate = await trx.selectFrom('certificates').select(['id', 'state']).where('number', '=', normalised).executeTakeFirst();
  if (!certificate) throw new CertificateError('certificate.unknown', { value: normalised });
  if (certificate.state === 'annulled') throw new CertificateError('certificate.already-annulled', { value: normalised });
  await trx
    .updateTable('certificates')
    .set({ state: 'annulled', annulled_reason: trimmedReason, annulled_at: now.toISOString() })
    .where('id', '=', certificate.id)
    .where('state', '=', 'issued')
    .execute();
  await audit(
    trx,
    {
      actor: options.actor,
      channel: options.channel ?? 'cli',
      action: 'certificate.annul',
      subject: `certificate:${normalised}`,
      details: { reason: trimmedReason, ...options.details },
    },
    now,
  );
}
