/**
 * Sealing issued certificates into stored .edoc documents. Resumable and idempotent: it seals only what has
 * no document yet, stores each document as its version 1 in one insert that never overwrites (the database also
 * refuses any update), and a crashed or killed run simply leaves the rest for the next one.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CertificateFacts } from '../certificate/facts.js';
import { PoolBusyError } from '../sealing/pool.js';
import type { SealedDocument, SealLevel } from '../sealing/seal.js';
import { audit } from './audit.js';
import { documentVersionRow } from './certificate-documents.js';
import { loadCertificateFacts } from './certificate-facts.js';

export type Sealer = (facts: CertificateFacts) => Promise<SealedDocument>;

export interface SealRunResult {
  sealed: number;
  /** Certificates that failed twice in this run, with the last reason; the next run tries them again. */
  failed: { number: string; reason: string }[];
  levels: Record<SealLevel, number>;
}

export interface SealRunOptions {
  sessionId?: number;
  certificateIds?: number[];
  actor: string;
  channel?: string;
  /** Documents being sealed at once (keep the pool's workers busy, but its queue bounded). */
  concurrency?: number;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stops the run between batches (shutdown); what is sealed so far is stored. */
  signal?: AbortSignal;
}

function pendingQuery(db: Kysely<Database>, options: SealRunOptions) {
  let query = db
    .selectFrom('certificates')
    .leftJoin('certificate_documents', 'certificate_documents.certificate_id', 'certificates.id')
    .where('certificate_documents.certificate_id', 'is', null)
    .where('certificates.state', '=', 'issued');
  if (options.sessionId !== undefined) {
    query = query
      .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .where('registrations.session_id', '=', options.sessionId);
  }
  if (options.certificateIds) query = query.where('certificates.id', 'in', options.certificateIds.length > 0 ? options.certificateIds : [-1]);
  return query;
}

export async function sealPendingCertificates(db: Kysely<Database>, seal: Sealer, options: SealRunOptions): Promise<SealRunResult> {
  const total = Number(
    (await pendingQuery(db, options).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
  );
  const result: SealRunResult = { sealed: 0, failed: [], levels: { 'B-B': 0, 'B-T': 0, 'B-LT': 0 } };
  const attempts = new Map<number, number>();
  const givenUp = new Set<number>();
  const batchSize = options.batchSize ?? 256;
  const concurrency = options.concurrency ?? 16;
  options.onProgress?.(0, total);

  while (!options.signal?.aborted) {
    const pending = await pendingQuery(db, options).select('certificates.id').orderBy('certificates.id').limit(batchSize + givenUp.size).execute();
    const ids = pending.map((r) => r.id).filter((id) => !givenUp.has(id)).slice(0, batchSize);
    if (ids.length === 0) break;
    const facts = await loadCertificateFacts(db, ids);

    const sealed: { id: number; document: SealedDocument }[] = [];
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < ids.length && !options.signal?.aborted) {
        const id = ids[next++]!;
        try {
          sealed.push({ id, document: await seal(facts.get(id)!) });
        } catch (error) {
          if (error instanceof PoolBusyError) {
            // A full queue is not the certificate's fault: wait and try it again, without counting an attempt.
            await new Promise((resolve) => setTimeout(resolve, 200));
            ids.push(id);
            continue;
          }
          const count = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, count);
          if (count >= 2) {
            givenUp.add(id);
            result.failed.push({ number: facts.get(id)!.number, reason: error instanceof Error ? error.message : String(error) });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, runOne));

    if (sealed.length > 0) {
      const storedIds = await storeSealedDocuments(db, sealed, { actor: options.actor, channel: options.channel ?? 'cli', sessionId: options.sessionId });
      for (const s of sealed) if (storedIds.has(s.id)) result.levels[s.document.level]++;
      result.sealed += storedIds.size;
    }
    options.onProgress?.(Math.min(result.sealed + givenUp.size, total), total);
  }
  return result;
}

/**
 * Stores sealed documents, each in an insert that never overwrites: when two runs sealed the same certificate,
 * the first stored wins and the other copy is dropped. Returns the ids actually stored.
 */
async function storeSealedDocuments(
  db: Kysely<Database>,
  sealed: readonly { id: number; document: SealedDocument }[],
  context: { actor: string; channel: string; sessionId?: number },
): Promise<Set<number>> {
  const sealedAt = new Date().toISOString();
  return db.transaction().execute(async (trx) => {
    const stored = await trx
      .insertInto('certificate_documents')
      .values(sealed.map((s) => documentVersionRow(s.id, 1, s.document.edoc, s.document.sha256, 'sealed', sealedAt, s.document.verificationCodeHash ?? null)))
      .onConflict((oc) => oc.columns(['certificate_id', 'version']).doNothing())
      .returning('certificate_id')
      .execute();
    await audit(trx, {
      actor: context.actor,
      channel: context.channel,
      action: 'certificates.seal',
      ...(context.sessionId !== undefined ? { subject: `session:${context.sessionId}` } : {}),
      details: { count: stored.length },
    });
    return new Set(stored.map((s) => s.certificate_id));
  });
}

/** Seals one issued certificate now (a download that found no document yet); errors, a full pool included, propagate. */
export async function sealOne(db: Kysely<Database>, certificateId: number, seal: Sealer, context: { actor: string; channel: string }): Promise<void> {
  const facts = (await loadCertificateFacts(db, [certificateId])).get(certificateId);
  if (!facts) throw new Error(`certificate ${certificateId} not found`);
  await storeSealedDocuments(db, [{ id: certificateId, document: await seal(facts) }], context);
}
