/**
 * "Who has seen my certificates": the holder's own certificates' access history, read from the audit log and
 * told in terms a holder can act on. Each entry names an institution (their school, the agency), the recipient
 * of one of their own share links, or "your representative", never a private person's name or personal code:
 * staff are named by their institution, representatives only as such, and anonymous verification visitors as
 * such. The holder's own downloads are listed too (as "you"), so a sign-in they did not make stands out.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { SHARE_LINK_CHANNEL } from './share-links.js';

/** The audit actions that mean someone saw or took one of the holder's certificates, or their list. */
export const ACCESS_ACTIONS = [
  'certificate.download',
  'certificate.view-pdf',
  'certificate.verify-number',
  'certificate.verify-upload',
  'share-link.view',
  'certificates.list',
  'certificate.search',
  'personal-code.reveal',
  'certificate.annul-request',
] as const;

export type AccessAction = (typeof ACCESS_ACTIONS)[number];

export type AccessWho =
  | { kind: 'you' }
  | { kind: 'representative' }
  | { kind: 'institution'; name: string }
  | { kind: 'agency' }
  | { kind: 'recipient'; name: string }
  | { kind: 'public' };

export interface AccessEntry {
  at: string;
  action: AccessAction;
  channel: string;
  who: AccessWho;
  /** The certificate concerned; absent for the e-service's list and look-ups by person. */
  number?: string;
  /** A school's download of every certificate of an exam at once (the ZIP). */
  bulk?: boolean;
  /** A verification look-up: which code the visitor gave. */
  by?: 'personal-code' | 'verification-code';
}

/** The newest entries shown; older ones stay in the log and can be asked of the agency. */
export const ACCESS_HISTORY_LIMIT = 200;

function detailsOf(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function idFrom(actor: string, prefix: string): number | undefined {
  const match = new RegExp(`^${prefix}:(\\d+)$`).exec(actor);
  return match ? Number(match[1]) : undefined;
}

/** The holder's access history, newest first. */
export async function accessHistory(db: Kysely<Database>, personId: number): Promise<{ entries: AccessEntry[]; more: boolean }> {
  const numbers = await db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .where('candidates.person_id', '=', personId)
    .select('certificates.number')
    .execute();
  const subjects = [`person:${personId}`, ...numbers.map((n) => `certificate:${n.number}`)];
  const rows = await db
    .selectFrom('audit_log')
    .where('subject', 'in', subjects)
    .where('action', 'in', [...ACCESS_ACTIONS])
    .select(['id', 'at', 'actor', 'action', 'subject', 'channel', 'details', sql<number>`case when actor_personal_code is null then 0 else 1 end`.as('representative')])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(ACCESS_HISTORY_LIMIT + 1)
    .execute();

  // The institutions of the staff and the recipients of the links named in these rows, each read once.
  const userIds = [...new Set(rows.map((r) => idFrom(r.actor, 'user')).filter((id): id is number => id !== undefined))];
  const linkIds = [...new Set(rows.map((r) => idFrom(r.actor, 'share-link')).filter((id): id is number => id !== undefined))];
  const roles =
    userIds.length === 0
      ? []
      : await db
          .selectFrom('user_roles')
          .leftJoin('institutions', 'institutions.id', 'user_roles.institution_id')
          .where('user_roles.user_id', 'in', userIds)
          .select(['user_roles.user_id as userId', 'user_roles.role', 'institutions.name'])
          .execute();
  const links =
    linkIds.length === 0
      ? []
      : await db.selectFrom('share_links').where('id', 'in', linkIds).where('person_id', '=', personId).select(['id', 'recipient']).execute();
  const institutionIds = [
    ...new Set(
      rows.map((r) => detailsOf(r.details).institution).filter((id): id is number => typeof id === 'number'),
    ),
  ];
  const institutions =
    institutionIds.length === 0 ? [] : await db.selectFrom('institutions').where('id', 'in', institutionIds).select(['id', 'name']).execute();

  const whoOf = (row: (typeof rows)[number], details: Record<string, unknown>): AccessWho => {
    if (row.representative === 1) return { kind: 'representative' };
    if (row.actor === `person:${personId}`) return { kind: 'you' };
    const linkId = idFrom(row.actor, 'share-link');
    if (linkId !== undefined) {
      const link = links.find((l) => l.id === linkId);
      return link ? { kind: 'recipient', name: link.recipient } : { kind: 'public' };
    }
    const userId = idFrom(row.actor, 'user');
    if (userId !== undefined) {
      // The institution the download was made for, where the entry names it; else the one the user works for.
      const named = typeof details.institution === 'number' ? institutions.find((i) => i.id === details.institution) : undefined;
      if (named) return { kind: 'institution', name: named.name };
      const school = roles.find((r) => r.userId === userId && r.role === 'school' && r.name !== null);
      if (row.channel === 'school' && school) return { kind: 'institution', name: school.name! };
      return { kind: 'agency' };
    }
    if (row.actor === 'public' || row.channel === SHARE_LINK_CHANNEL) return { kind: 'public' };
    return { kind: 'agency' };
  };

  const entries: AccessEntry[] = [];
  for (const row of rows.slice(0, ACCESS_HISTORY_LIMIT)) {
    const details = detailsOf(row.details);
    // A look-up that matched nothing showed the visitor nothing of the certificate.
    if (row.action === 'certificate.verify-number' && details.found === false) continue;
    const entry: AccessEntry = { at: row.at, action: row.action as AccessAction, channel: row.channel, who: whoOf(row, details) };
    if (row.subject?.startsWith('certificate:')) entry.number = row.subject.slice('certificate:'.length);
    if (details.bulk === true) entry.bulk = true;
    if (details.by === 'personal-code' || details.by === 'verification-code') entry.by = details.by;
    entries.push(entry);
  }
  return { entries, more: rows.length > ACCESS_HISTORY_LIMIT };
}
