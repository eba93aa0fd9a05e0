/**
 * What the Latvija.lv e-service shows and the short-lived state behind it.
 *
 * - The certificate list of one person for all school years (the student portal keeps six months): every
 *   certificate whose results are released, issued or annulled. Annulled ones are listed as annulled (the
 *   person may hold a paper copy that is no longer valid and should learn it here), without download or paper
 *   copy. A certificate before its release moment is not listed at all, on any route. Totals come from the
 *   same scoring path as the sealed certificate itself (loadCertificateFacts).
 * - Token ids already used (replay), embed sessions and download links: in the database, so that any instance
 *   serves any step, with only the SHA-256 of each random id stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { maskPersonalCode } from '../domain/personal-code.js';
import { rigaDate } from '../domain/riga-time.js';
import type { AuditEntry } from './audit.js';
import { certificatesWithHolder, loadCertificateFacts } from './certificate-facts.js';
import { whereReleased } from './release.js';

/** How long what one token opened (the embed session and its download links) lasts, from verification. */
export const EMBED_SESSION_MS = 15 * 60_000;

/**
 * How long an ended embed session is still kept, for one thing only: a paper request form sent after the
 * session ended is saved as a draft of the same person (who they are is known only from the session). Nothing
 * else accepts an ended session.
 */
export const ENDED_SESSION_KEPT_MS = 12 * 60 * 60_000;

const RANDOM_ID = /^[A-Za-z0-9_-]{43}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** Who acts and for whom: the subject of everything done through the e-service. */
export interface EserviceSubject {
  /** The holder, whose certificates are shown. */
  personId: number;
  /** Personal code of who signed in at the e-service. */
  actorCode: string;
  /** True when `actorCode` is a representative acting for the holder. */
  representative: boolean;
}

/**
 * The audit log's actor as anyone may read it: the holder as the student pages name them, or a representative
 * by their masked personal code (a representative may be unknown to the register, so has no person id).
 */
export function eserviceActor(subject: EserviceSubject): string {
  return subject.representative ? `representative:${maskPersonalCode(subject.actorCode)}` : `person:${subject.personId}`;
}

/**
 * Who acted, for an audit entry. A representative's full code is kept, in its own column, because the
 * represented person has the right to learn who acted for them; it never goes into free text.
 */
export function eserviceAuditActor(subject: EserviceSubject): Pick<AuditEntry, 'actor' | 'actorPersonalCode'> {
  return subject.representative ? { actor: eserviceActor(subject), actorPersonalCode: subject.actorCode } : { actor: eserviceActor(subject) };
}

/** Details every e-service audit entry carries: for a representative, whom they acted for. */
export function eserviceAuditDetails(subject: EserviceSubject): Record<string, unknown> {
  return subject.representative ? { representative: true, onBehalfOf: `person:${subject.personId}` } : { representative: false };
}

// ---- Token ids (replay) ----

/** The stored form of a token id: its issuer and `jti` together, hashed to a fixed length. */
export function tokenIdHash(issuer: string, jti: string): string {
  return sha256(`${issuer}\n${jti}`);
}

/**
 * Records a token id as used; false when it was used before (a replay). One insert that only one request can
 * win, on any instance.
 */
export async function useTokenId(db: Kysely<Database>, idHash: string, keepUntil: Date): Promise<boolean> {
  const inserted = await db
    .insertInto('eservice_token_ids')
    .values({ id_hash: idHash, expires_at: keepUntil.toISOString() })
    .onConflict((oc) => oc.column('id_hash').doNothing())
    .returning('id_hash')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Removes used token ids whose token can no longer be accepted anyway (past `exp` and the clock tolerance), so
 * the replay check never depends on this having run. Returns how many.
 */
export async function purgeUsedTokenIds(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('eservice_token_ids').where('expires_at', '<', now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- Embed sessions ----

export interface EmbedSession extends EserviceSubject {
  expiresAt: Date;
}

/** Opens an embed session for a verified token; the returned id goes into the page's links and forms. */
export async function createEmbedSession(db: Kysely<Database>, subject: EserviceSubject, tokenIdHash: string, now: Date): Promise<{ id: string; session: EmbedSession }> {
  const id = randomId();
  const expiresAt = new Date(now.getTime() + EMBED_SESSION_MS);
  await db
    .insertInto('eservice_sessions')
    .values({
      id_hash: sha256(id),
      person_id: subject.personId,
      actor_code: subject.actorCode,
      representative: subject.representative ? 1 : 0,
      token_id_hash: tokenIdHash,
      created_at: now.toISOString(),
      expires_at: expiresAt.toISOString(),
    })
    .execute();
  return { id, session: { ...subject, expiresAt } };
}

/** The live embed session with this id, or undefined (malformed, unknown or past its time). */
export async function loadEmbedSession(db: Kysely<Database>, id: string | undefined, now: Date): Promise<EmbedSession | undefined> {
  if (!id || !RANDOM_ID.test(id)) return undefined;
  const row = await db
    .selectFrom('eservice_sessions')
    .select(['person_id', 'actor_code', 'representative', 'expires_at'])
    .where('id_hash', '=', sha256(id))
    .executeTakeFirst();
  if (!row || Date.parse(row.expires_at) <= now.getTime()) return undefined;
  return { personId: row.person_id, actorCode: row.actor_code, representative: row.representative === 1, expiresAt: new Date(row.expires_at) };
}

/**
 * Who an embed session that has ended belonged to, if it ended no more than ENDED_SESSION_KEPT_MS ago: only
 * for keeping a late form as that person's draft. Undefined for a live session (use loadEmbedSession), an
 * unknown id, or one ended longer ago.
 */
export async function loadEndedEmbedSession(db: Kysely<Database>, id: string | undefined, now: Date): Promise<EmbedSession | undefined> {
  if (!id || !RANDOM_ID.test(id)) return undefined;
  const row = await db
    .selectFrom('eservice_sessions')
    .select(['person_id', 'actor_code', 'representative', 'expires_at'])
    .where('id_hash', '=', sha256(id))
    .executeTakeFirst();
  if (!row) return undefined;
  const endedAgo = now.getTime() - Date.parse(row.expires_at);
  if (endedAgo < 0 || endedAgo > ENDED_SESSION_KEPT_MS) return undefined;
  return { personId: row.person_id, actorCode: row.actor_code, representative: row.representative === 1, expiresAt: new Date(row.expires_at) };
}

/**
 * Removes embed sessions ended more than ENDED_SESSION_KEPT_MS ago (loading an ended one refuses it anyway);
 * returns how many.
 */
export async function purgeEmbedSessions(db: Kysely<Database>, now: Date): Promise<number> {
  const before = new Date(now.getTime() - ENDED_SESSION_KEPT_MS).toISOString();
  const result = await db.deleteFrom('eservice_sessions').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- Download links ----

/** One download link per certificate for this subject, valid until `expiresAt`; certificate id → link id. */
export async function createDownloadLinks(db: Kysely<Database>, subject: EserviceSubject, certificateIds: readonly number[], expiresAt: Date, now: Date): Promise<Map<number, string>> {
  const links = new Map<number, string>();
  if (certificateIds.length === 0) return links;
  for (const certificateId of certificateIds) links.set(certificateId, randomId());
  await db
    .insertInto('eservice_links')
    .values(
      [...links].map(([certificateId, id]) => ({
        id_hash: sha256(id),
        certificate_id: certificateId,
        person_id: subject.personId,
        actor_code: subject.actorCode,
        representative: subject.representative ? 1 : 0,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })),
    )
    .execute();
  return links;
}

/** The live download link with this id: which certificate, for whom; undefined when malformed, unknown or old. */
export async function loadDownloadLink(db: Kysely<Database>, id: string | undefined, now: Date): Promise<(EserviceSubject & { certificateId: number }) | undefined> {
  if (!id || !RANDOM_ID.test(id)) return undefined;
  const row = await db
    .selectFrom('eservice_links')
    .select(['certificate_id', 'person_id', 'actor_code', 'representative', 'expires_at'])
    .where('id_hash', '=', sha256(id))
    .executeTakeFirst();
  if (!row || Date.parse(row.expires_at) <= now.getTime()) return undefined;
  return { certificateId: row.certificate_id, personId: row.person_id, actorCode: row.actor_code, representative: row.representative === 1 };
}

/** Removes download links past their time (using one refuses it anyway); returns how many. */
export async function purgeDownloadLinks(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('eservice_links').where('expires_at', '<', now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- People and certificates ----

export interface EservicePerson {
  personId: number;
  firstName: string;
  lastName: string;
}

export async function findEservicePerson(db: Kysely<Database>, personalCode: string): Promise<EservicePerson | undefined> {
  const row = await db.selectFrom('persons').select(['id', 'first_name', 'last_name']).where('personal_code', '=', personalCode).executeTakeFirst();
  return row && { personId: row.id, firstName: row.first_name, lastName: row.last_name };
}

export async function eservicePerson(db: Kysely<Database>, personId: number): Promise<EservicePerson | undefined> {
  const row = await db.selectFrom('persons').select(['id', 'first_name', 'last_name']).where('id', '=', personId).executeTakeFirst();
  return row && { personId: row.id, firstName: row.first_name, lastName: row.last_name };
}

export interface EserviceCertificate {
  certificateId: number;
  /** "2026/301949081206-KUMAL" */
  number: string;
  /** YYYY-MM-DD */
  issuedOn: string;
  state: 'issued' | 'annulled';
  /** The Latvian date it was annulled on (YYYY-MM-DD), for an annulled certificate. */
  annulledOn: string | null;
  examCode: string;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subjectLvLocative: string;
  subjectEn: string;
  schoolYear: number;
  /** Total percent, truncated, exactly as the certificate prints it. */
  total: number;
}

/** Every released certificate of the person, all school years, newest first. */
export async function eserviceCertificates(db: Kysely<Database>, personId: number, now: Date): Promise<EserviceCertificate[]> {
  const released = await certificatesWithHolder(db)
    .where('candidates.person_id', '=', personId)
    .$call(whereReleased('eservice', now))
    .select(['certificates.id', 'certificates.number', 'certificates.issued_on', 'certificates.state', 'certificates.annulled_at'])
    .execute();
  if (released.length === 0) return [];
  const facts = await loadCertificateFacts(
    db,
    released.map((r) => r.id),
  );
  const list: EserviceCertificate[] = [];
  for (const row of released) {
    const fact = facts.get(row.id);
    if (!fact) continue;
    list.push({
      certificateId: row.id,
      number: row.number,
      issuedOn: row.issued_on,
      state: row.state,
      annulledOn: row.state === 'annulled' && row.annulled_at ? rigaDate(new Date(row.annulled_at)) : null,
      examCode: fact.examCode,
      education: fact.kind,
      level: fact.level,
      subjectLvLocative: fact.subjectLvLocative,
      subjectEn: fact.subjectEn,
      schoolYear: fact.schoolYear,
      total: fact.total,
    });
  }
  return list.sort((a, b) => b.issuedOn.localeCompare(a.issuedOn) || a.number.localeCompare(b.number));
}

/**
 * The person's own released and valid certificate with this id, or undefined: the check a download link makes
 * again when it is used (the certificate may have been annulled since the list was shown).
 */
export async function downloadableCertificate(db: Kysely<Database>, personId: number, certificateId: number, now: Date): Promise<{ number: string } | undefined> {
  const row = await certificatesWithHolder(db)
    .where('certificates.id', '=', certificateId)
    .where('candidates.person_id', '=', personId)
    .where('certificates.state', '=', 'issued')
    .$call(whereReleased('eservice', now))
    .select('certificates.number')
    .executeTakeFirst();
  return row && { number: row.number };
}
