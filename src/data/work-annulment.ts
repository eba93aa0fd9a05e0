/**
 * Annulling a candidate's exam work (a rule of the exam was broken): the sitting keeps its points for the record,
 * but no result or certificate comes of it, and the student is told when and why.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { KeyedError } from '../errors.js';
import { audit } from './audit.js';

export class WorkAnnulmentError extends KeyedError {}

export async function annulWork(
  db: Kysely<Database>,
  sessionId: number,
  candidateCode: string,
  reason: string,
  options: { actor: string; channel?: string; now?: Date },
): Promise<void> {
  const trimmedReason = reason.trim();
  if (trimmedReason === '') throw new WorkAnnulmentError('results.workAnnulment.reason-required');
  const now = options.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const sitting = await trx
      .selectFrom('sittings')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
      .where('registrations.session_id', '=', sessionId)
      .where('candidates.code', '=', candidateCode)
      .select(['sittings.id', 'sittings.took_part as tookPart', 'sittings.work_annulled as workAnnulled', 'certificates.state as certificateState'])
      .executeTakeFirst();
    if (!sitting) throw new WorkAnnulmentError('results.workAnnulment.unknown', { value: candidateCode });
    if (sitting.tookPart === 'no') throw new WorkAnnulmentError('results.workAnnulment.absent', { value: candidateCode });
    if (sitting.workAnnulled === 1) throw new WorkAnnulmentError('results.workAnnulment.already', { value: candidateCode });
    // A certificate already states the result: it is annulled first, on its own, so that its holder is told.
    if (sitting.certificateState === 'issued') throw new WorkAnnulmentError('results.workAnnulment.certified', { value: candidateCode });
    await trx
      .updateTable('sittings')
      .set({ work_annulled: 1, work_annulled_at: now.toISOString(), work_annulled_reason: trimmedReason, updated_at: now.toISOString() })
      .where('id', '=', sitting.id)
      .execute();
    await audit(
      trx,
      {
        actor: options.actor,
        channel: options.channel ?? 'cli',
        action: 'sitting.annul-work',
        subject: `session:${sessionId}:candidate:${candidateCode}`,
        details: { reason: trimmedReason },
      },
      now,
    );
  });
}
