import type { Insertable, Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../../db/schema.js';
import { insertWithOthers } from './group-commit.js';

export interface AuditEntry {
  /** Who acted, as it may be shown to anyone reading the log: never a full personal code. */
  actor: string;
  /**
   * A representative's full personal code (the e-service), kept apart from `actor` so the represented person
   * can be told who acted for them, while every display and export of the log shows only the masked `actor`.
   */
  actorPersonalCode?: string;
  action: string;
  subject?: string;
  /** Where the action came from: cli, portal, school, eservice, … */
  channel: string;
  details?: Record<string, unknown>;
}

/**
 * Writes one audit entry; pass the transaction so the entry commits or rolls back with the change it records.
 * Outside a transaction the entry is written together with the other rows asked for at the same moment (group
 * commit, ./group-commit.ts): on results day every download writes one, and one insert of many rows costs about
 * what one of a single row does. Either way it is stored before this returns.
 */
export async function audit(db: Kysely<Database>, entry: AuditEntry, now = new Date()): Promise<void> {
  await insertWithOthers(db, [{ table: 'audit_log', rows: [auditRow(entry, now)] }]);
}

/** The row of an audit entry, for writers that insert it together with others. */
export function auditRow(entry: AuditEntry, now: Date): Insertable<AuditLogTable> {
  return {
    at: now.toISOString(),
    actor: entry.actor,
    actor_personal_code: entry.actorPersonalCode ?? null,
    action: entry.action,
    subject: entry.subject ?? null,
    channel: entry.channel,
    details: entry.details ? JSON.stringify(entry.details) : null,
  };
}
