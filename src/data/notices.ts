/**
 * "Your results are available" notices: the holder's address and its confirmation, the outbox of messages and
 * the record of what was sent (src/domain/notices.ts holds the rules).
 *
 * Tokens (the confirmation link's and each message's unsubscribe link's) are made when the message is about to
 * go out, 256 random bits each, and only their SHA-256 is stored. Messages are claimed in batches under a lease:
 * one UPDATE that chooses and claims on SQLite (it holds the only write lock), `FOR UPDATE SKIP LOCKED` on
 * PostgreSQL, so two instances never take the same message.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import type { Database, NoticeMessageStatus } from '../../db/schema.js';
import { CONFIRM_LINK_HOURS, MAX_SEND_ATTEMPTS, NOTICE_RECORD_DAYS, releaseKey, retryDelayMs } from '../domain/notices.js';
import type { Education } from '../domain/release.js';
import type { Language } from '../i18n.js';
import { examReleaseMoment } from './release.js';

const DAY_MS = 86_400_000;

/** A notice not sent within this many days of its release moment is not sent at all. */
export const NOTICE_LATE_DAYS = 14;

export function noticeTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: noticeTokenHash(token) };
}

export interface NoticeAddress {
  email: string;
  language: Language;
  /** Undefined until the link sent to the address was opened and confirmed. */
  confirmedAt?: Date;
  createdAt: Date;
}

/** The person's address for notices, if they left one. */
export async function noticeAddressOf(db: Kysely<Database>, personId: number): Promise<NoticeAddress | undefined> {
  const row = await db
    .selectFrom('notice_subscriptions')
    .select(['email', 'language', 'confirmed_at', 'created_at'])
    .where('person_id', '=', personId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    email: row.email,
    language: row.language,
    createdAt: new Date(row.created_at),
    ...(row.confirmed_at ? { confirmedAt: new Date(row.confirmed_at) } : {}),
  };
}

/** Messages not yet sent to a removed address are not sent at all. */
async function cancelWaiting(db: Kysely<Database>, subscriptionIds: readonly number[], why: string): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await db
    .updateTable('notice_messages')
    .set({ status: 'cancelled', outcome: why, lease_until: null, claimed_by: null })
    .where('subscription_id', 'in', subscriptionIds)
    .where('status', '=', 'pending')
    .execute();
}

export type SaveAddressOutcome = 'confirmation-queued' | 'language-changed' | 'too-many';

/** Confirmation messages one person may have sent in a day: the form must not become a way to mail strangers. */
export const MAX_CONFIRMATIONS_PER_DAY = 5;

/**
 * Leaves (or changes) the person's address: a new address replaces the old one at once, unconfirmed, and a
 * confirmation message is queued; the same confirmed address again only changes the language of the messages.
 * After MAX_CONFIRMATIONS_PER_DAY confirmations in a day nothing changes until the day has passed.
 */
export async function saveNoticeAddress(db: Kysely<Database>, personId: number, email: string, language: Language, now: Date): Promise<SaveAddressOutcome> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('notice_subscriptions').select(['id', 'email', 'confirmed_at']).where('person_id', '=', personId).executeTakeFirst();
    if (existing && existing.email === email && existing.confirmed_at !== null) {
      await trx.updateTable('notice_subscriptions').set({ language }).where('id', '=', existing.id).execute();
      return 'language-changed';
    }
    const lastDay = await trx
      .selectFrom('notice_messages')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('person_id', '=', personId)
      .where('kind', '=', 'confirm')
      .where('created_at', '>', new Date(now.getTime() - DAY_MS).toISOString())
      .executeTakeFirstOrThrow();
    if (Number(lastDay.count) >= MAX_CONFIRMATIONS_PER_DAY) return 'too-many';
    if (existing) {
      await cancelWaiting(trx, [existing.id], 'address replaced');
      await trx.deleteFrom('notice_subscriptions').where('id', '=', existing.id).execute();
    }
    const created = await trx
      .insertInto('notice_subscriptions')
      .values({ person_id: personId, email, language, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('notice_messages')
      .values({ person_id: personId, subscription_id: created.id, kind: 'confirm', status: 'pending', next_attempt_at: now.toISOString(), created_at: now.toISOString() })
      .execute();
    return 'confirmation-queued';
  });
}

/** Removes the person's address (and with it every message still waiting for it). True if there was one. */
export async function removeNoticeAddress(db: Kysely<Database>, personId: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('notice_subscriptions').select('id').where('person_id', '=', personId).executeTakeFirst();
    if (!existing) return false;
    await cancelWaiting(trx, [existing.id], 'address removed');
    await trx.deleteFrom('notice_subscriptions').where('id', '=', existing.id).execute();
    return true;
  });
}

export type ConfirmOutcome = 'confirmed' | 'already-confirmed' | 'unknown';

/** The address whose confirmation link carries `token`, if the link still works; nothing is changed. */
export async function pendingConfirmation(db: Kysely<Database>, token: string | undefined, now: Date): Promise<{ email: string } | undefined> {
  if (!token || token.length > 100) return undefined;
  return db
    .selectFrom('notice_subscriptions')
    .select('email')
    .where('confirm_token_hash', '=', noticeTokenHash(token))
    .where('confirm_expires_at', '>', now.toISOString())
    .executeTakeFirst();
}

/** Confirms the address whose link carries `token`; 'unknown' for a link that is wrong, used or expired. */
export async function confirmNoticeAddress(db: Kysely<Database>, token: string | undefined, now: Date): Promise<ConfirmOutcome> {
  if (!token || token.length > 100) return 'unknown';
  const updated = await db
    .updateTable('notice_subscriptions')
    .set({ confirmed_at: now.toISOString(), confirm_token_hash: null, confirm_expires_at: null })
    .where('confirm_token_hash', '=', noticeTokenHash(token))
    .where('confirm_expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n ? 'confirmed' : 'unknown';
}

/** Whether an unsubscribe link still stands for an address that is kept (for the page before the button). */
export async function unsubscribeTarget(db: Kysely<Database>, token: string | undefined): Promise<boolean> {
  if (!token || token.length > 100) return false;
  const row = await db
    .selectFrom('notice_messages')
    .innerJoin('notice_subscriptions', 'notice_subscriptions.id', 'notice_messages.subscription_id')
    .select('notice_subscriptions.id')
    .where('notice_messages.unsubscribe_hash', '=', noticeTokenHash(token))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Removes the address the message with this unsubscribe link was sent to; false when it is gone already (or
 * the link is wrong). Only that address: a link in a message to an address since replaced removes nothing.
 */
export async function unsubscribeNotices(db: Kysely<Database>, token: string | undefined): Promise<{ personId: number } | undefined> {
  if (!token || token.length > 100) return undefined;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('notice_messages')
      .innerJoin('notice_subscriptions', 'notice_subscriptions.id', 'notice_messages.subscription_id')
      .select(['notice_subscriptions.id as subscriptionId', 'notice_subscriptions.person_id as personId'])
      .where('notice_messages.unsubscribe_hash', '=', noticeTokenHash(token))
      .executeTakeFirst();
    if (!row) return undefined;
    await cancelWaiting(trx, [row.subscriptionId], 'unsubscribed');
    await trx.deleteFrom('notice_subscriptions').where('id', '=', row.subscriptionId).execute();
    return { personId: row.personId };
  });
}

/**
 * Queues a notice for every confirmed address whose person is registered for an exam whose results opened by
 * `now`, once per release moment (school year and education), and only for moments after the address was
 * confirmed: nobody is told about results that opened before they asked. Safe to run on every instance at once
 * (the unique person and release pair). Returns how many were queued.
 */
export async function queueReleaseNotices(db: Kysely<Database>, now: Date): Promise<number> {
  const at = now.toISOString();
  const due = await db
    .selectFrom('notice_subscriptions as s')
    .innerJoin('candidates', 'candidates.person_id', 's.person_id')
    .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .innerJoin('school_years', 'school_years.start_year', 'exams.school_year')
    .where('s.confirmed_at', 'is not', null)
    .where(sql<boolean>`${examReleaseMoment} <= ${at}`)
    .where(sql<boolean>`${examReleaseMoment} > ${sql.ref('s.confirmed_at')}`)
    // Results that opened long ago (the portal was down, say) are news to nobody; the record may be gone by then.
    .where(sql<boolean>`${examReleaseMoment} > ${new Date(now.getTime() - NOTICE_LATE_DAYS * DAY_MS).toISOString()}`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('notice_messages as m')
            .select('m.id')
            .whereRef('m.person_id', '=', 's.person_id')
            .where(sql<boolean>`${sql.ref('m.release_key')} = cast(${sql.ref('exams.school_year')} as text) || ':' || ${sql.ref('exams.education')}`),
        ),
      ),
    )
    .select(['s.id as subscriptionId', 's.person_id as personId', 'exams.school_year as schoolYear', 'exams.education as education'])
    .distinct()
    .execute();
  let queued = 0;
  for (const row of due) {
    const inserted = await db
      .insertInto('notice_messages')
      .values({
        person_id: row.personId,
        subscription_id: row.subscriptionId,
        kind: 'release',
        release_key: releaseKey(row.schoolYear, row.education as Education),
        status: 'pending',
        next_attempt_at: at,
        created_at: at,
      })
      .onConflict((oc) => oc.columns(['person_id', 'release_key']).doNothing())
      .executeTakeFirst();
    queued += Number(inserted.numInsertedOrUpdatedRows ?? 0n);
  }
  return queued;
}

/** A claimed message, ready to be written: where it goes and the links it carries (tokens in the clear, once). */
export interface OutgoingNotice {
  id: number;
  kind: 'confirm' | 'release';
  releaseKey: string | null;
  email: string;
  language: Language;
  attempts: number;
  unsubscribeToken: string;
  /** For a confirmation: the link's token, valid until `confirmExpiresAt`. */
  confirmToken?: string;
  confirmExpiresAt?: Date;
}

const claimable = (at: string) => (eb: ExpressionBuilder<Database, 'notice_messages'>) =>
  eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at), eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)])]);

/**
 * Claims up to `limit` messages that are due for this runner, for `leaseMs`, and prepares each: fresh tokens
 * (their hashes stored before anything is sent, so a link works the moment the message arrives). A message
 * whose address was removed, or (a notice) is no longer confirmed, is cancelled instead.
 */
export async function claimNotices(db: Kysely<Database>, runnerId: string, limit: number, leaseMs: number, now: Date): Promise<OutgoingNotice[]> {
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const claim = async (trx: Kysely<Database>, ids: number[]) =>
    ids.length === 0
      ? []
      : trx
          .updateTable('notice_messages')
          .set({ claimed_by: runnerId, lease_until: leaseUntil })
          .where('id', 'in', ids)
          .where(claimable(at))
          .returning('id')
          .execute();
  let claimed: { id: number }[];
  if (isPostgres(db)) {
    claimed = await db.transaction().execute(async (trx) => {
      const chosen = await trx.selectFrom('notice_messages').select('id').where(claimable(at)).orderBy('id').limit(limit).forUpdate().skipLocked().execute();
      return claim(
        trx,
        chosen.map((row) => row.id),
      );
    });
  } else {
    // One statement: SQLite holds its only write lock from choosing to claiming, even across processes.
    claimed = await db
      .updateTable('notice_messages')
      .set({ claimed_by: runnerId, lease_until: leaseUntil })
      .where('id', 'in', (eb) => eb.selectFrom('notice_messages').select('id').where(claimable(at)).orderBy('id').limit(limit))
      .returning('id')
      .execute();
  }
  const outgoing: OutgoingNotice[] = [];
  for (const { id } of claimed.sort((a, b) => a.id - b.id)) {
    const prepared = await prepareNotice(db, id, runnerId, now);
    if (prepared) outgoing.push(prepared);
  }
  return outgoing;
}

async function prepareNotice(db: Kysely<Database>, id: number, runnerId: string, now: Date): Promise<OutgoingNotice | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('notice_messages as m')
      .leftJoin('notice_subscriptions as s', 's.id', 'm.subscription_id')
      .select(['m.kind', 'm.release_key', 'm.attempts', 's.id as subscriptionId', 's.email', 's.language', 's.confirmed_at'])
      .where('m.id', '=', id)
      .where('m.claimed_by', '=', runnerId)
      .executeTakeFirst();
    if (!row) return undefined;
    const gone = row.subscriptionId === null || row.email === null || row.language === null;
    const pointless = row.kind === 'confirm' ? row.confirmed_at !== null : row.confirmed_at === null;
    if (gone || pointless) {
      await finish(trx, id, runnerId, 'cancelled', { outcome: gone ? 'address removed' : row.kind === 'confirm' ? 'already confirmed' : 'not confirmed' });
      return undefined;
    }
    const unsubscribe = newToken();
    await trx.updateTable('notice_messages').set({ unsubscribe_hash: unsubscribe.hash }).where('id', '=', id).execute();
    const notice: OutgoingNotice = {
      id,
      kind: row.kind,
      releaseKey: row.release_key,
      email: row.email!,
      language: row.language!,
      attempts: row.attempts,
      unsubscribeToken: unsubscribe.token,
    };
    if (row.kind === 'confirm') {
      // Each attempt carries a new link; the one in the message that arrives is the one that works.
      const confirm = newToken();
      const expiresAt = new Date(now.getTime() + CONFIRM_LINK_HOURS * 3_600_000);
      await trx
        .updateTable('notice_subscriptions')
        .set({ confirm_token_hash: confirm.hash, confirm_expires_at: expiresAt.toISOString() })
        .where('id', '=', row.subscriptionId!)
        .execute();
      notice.confirmToken = confirm.token;
      notice.confirmExpiresAt = expiresAt;
    }
    return notice;
  });
}

async function finish(
  db: Kysely<Database>,
  id: number,
  runnerId: string,
  status: NoticeMessageStatus,
  fields: { outcome: string; messageId?: string; sentAt?: Date; nextAttemptAt?: Date; attempted?: boolean },
): Promise<boolean> {
  const updated = await db
    .updateTable('notice_messages')
    .set((eb) => ({
      status,
      outcome: fields.outcome.slice(0, 500),
      lease_until: null,
      claimed_by: null,
      ...(fields.attempted ? { attempts: eb('attempts', '+', 1) } : {}),
      ...(fields.messageId !== undefined ? { message_id: fields.messageId.slice(0, 300) } : {}),
      ...(fields.sentAt ? { sent_at: fields.sentAt.toISOString() } : {}),
      ...(fields.nextAttemptAt ? { next_attempt_at: fields.nextAttemptAt.toISOString() } : {}),
    }))
    .where('id', '=', id)
    .where('claimed_by', '=', runnerId)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** The mail server accepted the message. */
export function recordNoticeSent(db: Kysely<Database>, notice: OutgoingNotice, runnerId: string, sent: { messageId: string; response: string }, now: Date): Promise<boolean> {
  return finish(db, notice.id, runnerId, 'sent', { outcome: sent.response, messageId: sent.messageId, sentAt: now, attempted: true });
}

/**
 * The attempt failed: a temporary failure waits and tries again (1, 2, 4… minutes), until MAX_SEND_ATTEMPTS; a
 * final one stops. `outcome` is what the server said, which the caller has cleared of the address.
 */
export function recordNoticeFailure(
  db: Kysely<Database>,
  notice: OutgoingNotice,
  runnerId: string,
  failure: { temporary: boolean; outcome: string },
  now: Date,
): Promise<boolean> {
  const attempts = notice.attempts + 1;
  if (failure.temporary && attempts < MAX_SEND_ATTEMPTS) {
    return finish(db, notice.id, runnerId, 'pending', {
      outcome: failure.outcome,
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
      attempted: true,
    });
  }
  return finish(db, notice.id, runnerId, 'failed', { outcome: failure.outcome, attempted: true });
}

/** This runner stops: what it claimed and did not send goes back to the queue at once. */
export async function releaseNoticeClaims(db: Kysely<Database>, runnerId: string): Promise<void> {
  await db.updateTable('notice_messages').set({ lease_until: null, claimed_by: null }).where('claimed_by', '=', runnerId).where('status', '=', 'pending').execute();
}

export interface NoticeRecord {
  kind: 'confirm' | 'release';
  releaseKey: string | null;
  status: NoticeMessageStatus;
  attempts: number;
  createdAt: Date;
  sentAt?: Date;
  messageId?: string;
  outcome?: string;
}

/** What was sent to the person (newest first): the record the holder's page and the agency can read. */
export async function noticeRecordOf(db: Kysely<Database>, personId: number): Promise<NoticeRecord[]> {
  const rows = await db
    .selectFrom('notice_messages')
    .select(['kind', 'release_key', 'status', 'attempts', 'created_at', 'sent_at', 'message_id', 'outcome'])
    .where('person_id', '=', personId)
    .orderBy('id', 'desc')
    .execute();
  return rows.map((row) => ({
    kind: row.kind,
    releaseKey: row.release_key,
    status: row.status,
    attempts: row.attempts,
    createdAt: new Date(row.created_at),
    ...(row.sent_at ? { sentAt: new Date(row.sent_at) } : {}),
    ...(row.message_id ? { messageId: row.message_id } : {}),
    ...(row.outcome ? { outcome: row.outcome } : {}),
  }));
}

/** Housekeeping: addresses never confirmed, once their link has expired. */
export async function purgeUnconfirmedNoticeAddresses(db: Kysely<Database>, now: Date): Promise<number> {
  const at = now.toISOString();
  // A confirmation still waiting to be sent has no expiry yet: it is kept until CONFIRM_LINK_HOURS after asking.
  const askedBefore = new Date(now.getTime() - CONFIRM_LINK_HOURS * 3_600_000).toISOString();
  const stale = await db
    .selectFrom('notice_subscriptions')
    .select('id')
    .where('confirmed_at', 'is', null)
    .where((eb) => eb.or([eb('confirm_expires_at', '<', at), eb.and([eb('confirm_expires_at', 'is', null), eb('created_at', '<', askedBefore)])]))
    .execute();
  const ids = stale.map((row) => row.id);
  if (ids.length === 0) return 0;
  await cancelWaiting(db, ids, 'never confirmed');
  const removed = await db.deleteFrom('notice_subscriptions').where('id', 'in', ids).where('confirmed_at', 'is', null).executeTakeFirst();
  return Number(removed.numDeletedRows);
}

/** Housekeeping: the record of messages older than NOTICE_RECORD_DAYS (it never holds the address). */
export async function purgeOldNoticeRecords(db: Kysely<Database>, now: Date): Promise<number> {
  const before = new Date(now.getTime() - NOTICE_RECORD_DAYS * DAY_MS).toISOString();
  const removed = await db.deleteFrom('notice_messages').where('status', '!=', 'pending').where('created_at', '<', before).executeTakeFirst();
  return Number(removed.numDeletedRows);
}
