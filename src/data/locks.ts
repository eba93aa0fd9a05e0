import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Serialises work on one exam session (imports, issuance) across connections and instances: a no-op update
 * takes the row lock on PostgreSQL and the write lock on SQLite, until the transaction ends.
 */
export async function lockSession(trx: Kysely<Database>, sessionId: number): Promise<boolean> {
  const result = await trx.updateTable('exam_sessions').set((eb) => ({ id: eb.ref('id') })).where('id', '=', sessionId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
