/**
 * Searching the audit log (the agency's "Audit trail"): by person, certificate number, actor, action and Latvian
 * date range, newest first; and the same search in batches for the export through the report queue. A person is
 * found wherever the log names them: as the subject (`person:<id>`), through any of their certificates
 * (`certificate:<number>`), as the one who acted (`person:<id>`), or as the representative who acted for someone
 * (their personal code, kept apart from the masked `actor`). This is how the agency answers a person's request
 * under GDPR article 15: who saw or downloaded their certificates, and through which channel.
 */
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ACCESS_ACTIONS, type AuditFilters } from '../domain/audit-trail.js';
import { rigaDay } from '../domain/riga-time.js';
import { REPORT_BATCH_ROWS } from './report-rows.js';

export interface AuditTrailRow {
  id: number;
  at: string;
  actor: string;
  /** The staff member's name when the actor is a staff user (`user:<id>`). */
  actorName: string | null;
  /** The representative's full personal code (agency eyes only, never logged). */
  representativeCode: string | null;
  action: string;
  channel: string;
  subject: string | null;
  details: string | null;
}

type AuditQueryBuilder = ExpressionBuilder<Database, 'audit_log'>;

function personCondition(eb: AuditQueryBuilder, personId: number) {
  const personRef = `person:${personId}`;
  const certificateSubjects = eb
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('candidates.person_id', '=', personId)
    .select(sql<string>`'certificate:' || certificates.number`.as('subject'));
  const codeOfPerson = eb.selectFrom('persons').select('persons.personal_code').where('persons.id', '=', personId);
  return eb.or([
    eb('audit_log.subject', '=', personRef),
    eb('audit_log.actor', '=', personRef),
    eb('audit_log.subject', 'in', certificateSubjects),
    eb('audit_log.actor_personal_code', '=', codeOfPerson),
  ]);
}

function filtered(db: Kysely<Database>, filters: AuditFilters) {
  let query = db.selectFrom('audit_log');
  if (filters.personId !== undefined) {
    const personId = filters.personId;
    query = query.where((eb) => personCondition(eb, personId));
  }
  if (filters.certificateNumber) query = query.where('audit_log.subject', '=', `certificate:${filters.certificateNumber}`);
  if (filters.actor) query = query.where('audit_log.actor', '=', filters.actor);
  if (filters.action) {
    query = filters.action.endsWith('.')
      ? query.where('audit_log.action', 'like', `${filters.action.replace(/[%_\\]/g, '')}%`)
      : query.where('audit_log.action', '=', filters.action);
  }
  if (filters.accessOnly) query = query.where('audit_log.action', 'in', [...ACCESS_ACTIONS]);
  if (filters.from) query = query.where('audit_log.at', '>=', rigaDay(filters.from).start.toISOString());
  if (filters.to) query = query.where('audit_log.at', '<', rigaDay(filters.to).end.toISOString());
  return query;
}

function withColumns(db: Kysely<Database>, filters: AuditFilters) {
  return filtered(db, filters)
    .leftJoin('users', (join) => join.on(sql<boolean>`audit_log.actor = 'user:' || users.id`))
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.actor',
      'users.display_name as actorName',
      'audit_log.actor_personal_code as representativeCode',
      'audit_log.action',
      'audit_log.channel',
      'audit_log.subject',
      'audit_log.details',
    ]);
}

export async function countAuditTrail(db: Kysely<Database>, filters: AuditFilters): Promise<number> {
  const row = await filtered(db, filters).select(sql<number>`cast(count(*) as integer)`.as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

/** One page of the trail, newest first. */
export async function searchAuditTrail(db: Kysely<Database>, filters: AuditFilters, page: { offset: number; limit: number }): Promise<AuditTrailRow[]> {
  return withColumns(db, filters).orderBy('audit_log.id', 'desc').offset(page.offset).limit(page.limit).execute();
}

/** The whole trail in batches, newest first, for the export: each batch continues below the last id seen. */
export async function* auditTrailRows(db: Kysely<Database>, filters: AuditFilters, batchSize = REPORT_BATCH_ROWS): AsyncGenerator<AuditTrailRow[]> {
  let below: number | undefined;
  for (;;) {
    let query = withColumns(db, filters).orderBy('audit_log.id', 'desc').limit(batchSize);
    if (below !== undefined) query = query.where('audit_log.id', '<', below);
    const rows = await query.execute();
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batchSize) return;
    below = rows.at(-1)!.id;
  }
}
