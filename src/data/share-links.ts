/**
 * Share links: made by a holder for a recipient they name, opened by anyone who has the link until it expires or
 * the holder withdraws it. The token is 256 random bits handed to the holder once; only its SHA-256 is stored,
 * so the table alone opens nothing. Every link made or withdrawn, every view and every download is audited.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CertificateFacts } from '../certificate/facts.js';
import { isInStudentWindow } from '../domain/release.js';
import { ENDED_SHARE_LINK_KEPT_DAYS, shareExpiry, type ShareableCertificate, type ShareLanguage, type ShareRequest } from '../domain/share-links.js';
import { audit, type AuditEntry } from './audit.js';
import { certificatesWithHolder, loadCertificateFacts } from './certificate-facts.js';
import { examReleaseMoment, whereReleased } from './release.js';
import type { RegisterEntry } from './verification.js';

/** The audit channel of what recipients do through a link. */
export const SHARE_LINK_CHANNEL = 'share-link';

/** How the audit log names the recipient of a link: by the link, whose recipient the holder named. */
export function shareLinkActor(linkId: number): string {
  return `share-link:${linkId}`;
}

export function shareTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Where the holder is: the student pages keep their six-month window, the e-service shows every year. */
export type HolderEntry = 'student' | 'eservice';

export interface ShareableCertificateRow extends ShareableCertificate {
  number: string;
  issuedOn: string;
  education: 'basic' | 'secondary';
  level: 'general' | 'optimal' | 'higher' | null;
  subjectLvLocative: string;
  subjectEn: string;
}

/** The holder's released, valid certificates they may put on a link, newest school year first. */
export async function shareableCertificates(db: Kysely<Database>, personId: number, entry: HolderEntry, now: Date): Promise<ShareableCertificateRow[]> {
  const rows = await certificatesWithHolder(db)
    .where('candidates.person_id', '=', personId)
    .where('certificates.state', '=', 'issued')
    .$call(whereReleased(entry, now))
    .select([
      'certificates.id',
      'certificates.number',
      'certificates.issued_on',
      'exams.school_year',
      'exams.education',
      'exams.level',
      'exams.subject_lv_locative',
      'exams.subject_en',
      examReleaseMoment.as('releaseAt'),
    ])
    .orderBy('exams.school_year', 'desc')
    .orderBy('certificates.number')
    .execute();
  return rows
    .filter((row) => entry === 'eservice' || isInStudentWindow(new Date(row.releaseAt), now))
    .map((row) => ({
      certificateId: row.id,
      schoolYear: row.school_year,
      number: row.number,
      issuedOn: row.issued_on,
      education: row.education,
      level: row.level,
      subjectLvLocative: row.subject_lv_locative,
      subjectEn: row.subject_en,
    }));
}

/** Who makes or withdraws a link: the holder, or a representative acting for them, and through which way in. */
export interface ShareActor extends Pick<AuditEntry, 'actor' | 'actorPersonalCode'> {
  channel: HolderEntry;
  details?: Record<string, unknown>;
}

/** Makes the link; the token is returned once and never again (only its hash is kept). */
export async function createShareLink(
  db: Kysely<Database>,
  personId: number,
  request: ShareRequest,
  by: ShareActor,
  now: Date,
): Promise<{ id: number; token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = shareExpiry(now, request.days);
  const id = await db.transaction().execute(async (trx) => {
    const link = await trx
      .insertInto('share_links')
      .values({
        token_hash: shareTokenHash(token),
        person_id: personId,
        recipient: request.recipient,
        language: request.language,
        created_by: by.actor,
        channel: by.channel,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('share_link_certificates')
      .values(request.certificateIds.map((certificateId) => ({ link_id: link.id, certificate_id: certificateId })))
      .execute();
    await audit(
      trx,
      {
        actor: by.actor,
        ...(by.actorPersonalCode ? { actorPersonalCode: by.actorPersonalCode } : {}),
        channel: by.channel,
        action: 'share-link.create',
        subject: `person:${personId}`,
        details: { ...by.details, link: link.id, certificates: request.certificateIds.length, expiresAt: expiresAt.toISOString(), language: request.language },
      },
      now,
    );
    return link.id;
  });
  return { id, token, expiresAt };
}

export interface ShareLinkSummary {
  id: number;
  personId: number;
  recipient: string;
  language: ShareLanguage;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  views: number;
  firstViewedAt: string | null;
  lastViewedAt: string | null;
  /** The certificate numbers on the link. */
  numbers: string[];
}

function linkQuery(db: Kysely<Database>) {
  return db
    .selectFrom('share_links')
    .select([
      'id',
      'person_id as personId',
      'recipient',
      'language',
      'created_at as createdAt',
      'expires_at as expiresAt',
      'revoked_at as revokedAt',
      'views',
      'first_viewed_at as firstViewedAt',
      'last_viewed_at as lastViewedAt',
    ]);
}

async function withNumbers(db: Kysely<Database>, links: Omit<ShareLinkSummary, 'numbers'>[]): Promise<ShareLinkSummary[]> {
  if (links.length === 0) return [];
  const rows = await db
    .selectFrom('share_link_certificates')
    .innerJoin('certificates', 'certificates.id', 'share_link_certificates.certificate_id')
    .where(
      'share_link_certificates.link_id',
      'in',
      links.map((l) => l.id),
    )
    .select(['share_link_certificates.link_id as linkId', 'certificates.number'])
    .orderBy('certificates.number')
    .execute();
  return links.map((link) => ({ ...link, numbers: rows.filter((r) => r.linkId === link.id).map((r) => r.number) }));
}

/** The holder's links, newest first. */
export async function shareLinksOf(db: Kysely<Database>, personId: number): Promise<ShareLinkSummary[]> {
  const links = await linkQuery(db).where('person_id', '=', personId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return withNumbers(db, links);
}

/** One link of the holder's; another person's link, or none, is undefined (the caller answers 404). */
export async function holderShareLink(db: Kysely<Database>, personId: number, linkId: number): Promise<ShareLinkSummary | undefined> {
  const link = await linkQuery(db).where('person_id', '=', personId).where('id', '=', linkId).executeTakeFirst();
  return link && (await withNumbers(db, [link]))[0];
}

/** The link a token opens, in whatever state; undefined for a token no link has. */
export async function findShareLink(db: Kysely<Database>, token: string | undefined): Promise<ShareLinkSummary | undefined> {
  // A token is 43 base64url characters; anything else is not one, and is not worth a query.
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const link = await linkQuery(db).where('token_hash', '=', shareTokenHash(token)).executeTakeFirst();
  return link && (await withNumbers(db, [link]))[0];
}

/** Withdraws the holder's link at once; false when it is not theirs or was already withdrawn. */
export async function revokeShareLink(db: Kysely<Database>, personId: number, linkId: number, by: ShareActor, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('share_links')
      .set({ revoked_at: now.toISOString() })
      .where('id', '=', linkId)
      .where('person_id', '=', personId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return false;
    await audit(
      trx,
      {
        actor: by.actor,
        ...(by.actorPersonalCode ? { actorPersonalCode: by.actorPersonalCode } : {}),
        channel: by.channel,
        action: 'share-link.revoke',
        subject: `person:${personId}`,
        details: { ...by.details, link: linkId },
      },
      now,
    );
    return true;
  });
}

/**
 * Deletes the links that ended ENDED_SHARE_LINK_KEPT_DAYS ago or earlier, with their list of certificates
 * (housekeeping): the recipient's name is a third person's data, kept no longer than the holder needs to see what
 * they shared. The audit log keeps every link made, withdrawn and opened. Returns how many links went.
 */
export async function purgeEndedShareLinks(db: Kysely<Database>, now: Date): Promise<number> {
  const endedBefore = new Date(now.getTime() - ENDED_SHARE_LINK_KEPT_DAYS * 86_400_000).toISOString();
  return db.transaction().execute(async (trx) => {
    const ended = trx
      .selectFrom('share_links')
      .select('id')
      .where((eb) => eb.or([eb('expires_at', '<=', endedBefore), eb('revoked_at', '<=', endedBefore)]));
    await trx.deleteFrom('share_link_certificates').where('link_id', 'in', ended).execute();
    const result = await trx.deleteFrom('share_links').where('id', 'in', ended).executeTakeFirst();
    return Number(result.numDeletedRows);
  });
}

/** A certificate as a link shows it: what it states and what the register holds about it now. */
export interface SharedCertificate {
  certificateId: number;
  facts: CertificateFacts;
  register: RegisterEntry;
  /** A sealed document exists (or can be made): only a valid certificate is offered for download. */
  downloadable: boolean;
}

/**
 * The certificates on a link with their facts and the register's current state: a certificate annulled after
 * the link was made is shown as annulled, with its date and reason, and is no longer offered for download.
 */
export async function sharedCertificates(db: Kysely<Database>, linkId: number, now: Date): Promise<SharedCertificate[]> {
  const rows = await certificatesWithHolder(db)
    .innerJoin('share_link_certificates as shared', 'shared.certificate_id', 'certificates.id')
    .innerJoin('share_links as link', 'link.id', 'shared.link_id')
    .where('shared.link_id', '=', linkId)
    // The holder's own certificates only, even if a row were ever wrong.
    .whereRef('candidates.person_id', '=', 'link.person_id')
    .$call(whereReleased('public', now))
    .select(['certificates.id', 'certificates.state', 'certificates.annulled_at', 'certificates.annulled_reason'])
    .orderBy('exams.school_year', 'desc')
    .orderBy('certificates.number')
    .execute();
  const facts = await loadCertificateFacts(
    db,
    rows.map((r) => r.id),
  );
  return rows
    .filter((row) => facts.has(row.id))
    .map((row) => ({
      certificateId: row.id,
      facts: facts.get(row.id)!,
      register: { state: row.state, annulledAt: row.annulled_at, annulledReason: row.annulled_reason },
      downloadable: row.state === 'issued',
    }));
}

/** Counts one view of the link and audits it once per certificate shown, so each holder's history shows it. */
export async function recordShareView(db: Kysely<Database>, linkId: number, numbers: readonly string[], now: Date): Promise<void> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('share_links')
      .set((eb) => ({ views: eb('views', '+', 1), first_viewed_at: eb.fn.coalesce('first_viewed_at', eb.val(at)), last_viewed_at: at }))
      .where('id', '=', linkId)
      .execute();
    if (numbers.length === 0) return;
    await trx
      .insertInto('audit_log')
      .values(
        numbers.map((number) => ({
          at,
          actor: shareLinkActor(linkId),
          action: 'share-link.view',
          subject: `certificate:${number}`,
          channel: SHARE_LINK_CHANNEL,
          details: JSON.stringify({ link: linkId }),
        })),
      )
      .execute();
  });
}
