import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string;
  /** Where the action came from: cli, portal, school, eservice, … */
  channel: string;
  details?: Record<string, unknown>;
}

/** Writes one audit entry; pass the transaction so the entry commits or rolls back with the change it records. */
export async function audit(db: Kysely<Database>, entry: AuditEntry, now = new Date()): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: now.toISOString(),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject ?? null,
      channel: entry.channel,
      details: entry.details ? JSON.stringify(entry.details) : null,
    })
    .execute();
}
