/**
 * Requests for paper copies of certificates, made through the Latvija.lv e-service and worked through by agency
 * staff: `received` → `printed` → `sent` (for pick-up, "sent" is "handed over"). A certificate has at most one
 * request that is not yet sent; the database enforces it (a partial unique index), so two requests at once, on
 * any instance, cannot both be stored. Once sent, a new request for the same certificate may be made. Each
 * request has a reference (`P-7K3M-9XQ2`) the person is told and can quote to the agency.
 *
 * Drafts: a form sent after its embed session ended is kept for the same person (the holder and whoever typed
 * it, the holder or their representative) until PAPER_DRAFT_HOURS have passed, so that they find it filled in
 * when they open the e-service again. A draft holds a postal address: it is never logged, it is removed as soon
 * as the request is filed, and housekeeping removes it when it expires (readers refuse it after that anyway).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/dialect.js';
import type { Database, PaperDelivery, PaperRequestStatus } from '../../db/schema.js';
import { KeyedError } from '../errors.js';
import { isIsoDate, rigaDay } from '../domain/riga-time.js';
import type { PaperStatusFilter } from '../domain/staff-lists.js';
import { audit } from './audit.js';
import { REPORT_BATCH_ROWS } from './report-rows.js';
import { eserviceAuditActor, eserviceAuditDetails, type EserviceSubject } from './eservice.js';

export interface PostalAddress {
  recipient: string;
  line1: string;
  line2: string | null;
  city: string;
  postcode: string;
  country: string;
}

/** How the paper copy reaches the holder: picked up at the agency, or posted to an address. */
export type DeliveryChoice = { delivery: 'pickup' } | { delivery: 'post'; address: PostalAddress };

/** A request refused: `paperRequests.error.open` (one is open already) or `paperRequests.error.state` (wrong step). */
export class PaperRequestError extends KeyedError {}

export interface NewPaperRequest {
  certificateId: number;
  /** For the audit log and the error message. */
  certificateNumber: string;
  subject: EserviceSubject;
  choice: DeliveryChoice;
}

/** A clash of references (drawn at random), rather than a second open request for the certificate. */
function isReferenceClash(error: unknown): boolean {
  const { constraint, message } = (error ?? {}) as { constraint?: unknown; message?: unknown };
  return constraint === 'paper_requests_reference' || (typeof message === 'string' && message.includes('paper_requests.reference'));
}

// Crockford's base 32: digits and capitals without I, L, O and U, which are misread or misheard on the phone.
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const PAPER_REFERENCE = /^P-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/** A fresh reference, `P-` and eight characters in two groups: 32⁸ (about 10¹²) of them, so clashes are rare. */
export function newPaperReference(): string {
  const chars = [...randomBytes(8)].map((byte) => REFERENCE_ALPHABET[byte % 32]!);
  return `P-${chars.slice(0, 4).join('')}-${chars.slice(4).join('')}`;
}

/** How many references are drawn before giving up: with 10¹² of them, a second draw is already unlikely. */
const REFERENCE_ATTEMPTS = 5;

/**
 * Stores a request with a new reference and removes the person's draft of it; refuses with
 * `paperRequests.error.open` when the certificate has one not yet sent.
 */
export async function createPaperRequest(db: Kysely<Database>, request: NewPaperRequest, now = new Date()): Promise<{ id: number; reference: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertPaperRequest(db, request, newPaperReference(), now);
    } catch (error) {
      if (isReferenceClash(error) && attempt < REFERENCE_ATTEMPTS) continue;
      if (isUniqueViolation(error) && !isReferenceClash(error)) throw new PaperRequestError('paperRequests.error.open', { number: request.certificateNumber });
      throw error;
    }
  }
}

async function insertPaperRequest(db: Kysely<Database>, request: NewPaperRequest, reference: string, now: Date): Promise<{ id: number; reference: string }> {
  const address = request.choice.delivery === 'post' ? request.choice.address : undefined;
  return await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('paper_requests')
      .values({
        certificate_id: request.certificateId,
        person_id: request.subject.personId,
        requested_by_code: request.subject.actorCode,
        representative: request.subject.representative ? 1 : 0,
        channel: 'eservice',
        delivery: request.choice.delivery,
        recipient: address?.recipient ?? null,
        address_line1: address?.line1 ?? null,
        address_line2: address?.line2 ?? null,
        city: address?.city ?? null,
        postcode: address?.postcode ?? null,
        country: address?.country ?? null,
        status: 'received',
        requested_at: now.toISOString(),
        reference,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .deleteFrom('paper_request_drafts')
      .where('person_id', '=', request.subject.personId)
      .where('actor_code', '=', request.subject.actorCode)
      .where('certificate_id', '=', request.certificateId)
      .execute();
    await audit(
      trx,
      {
        ...eserviceAuditActor(request.subject),
        channel: 'eservice',
        action: 'paper-request.create',
        subject: `certificate:${request.certificateNumber}`,
        details: { request: inserted.id, reference, delivery: request.choice.delivery, ...eserviceAuditDetails(request.subject) },
      },
      now,
    );
    return { id: inserted.id, reference };
  });
}

export interface PaperRequestSummary {
  id: number;
  reference: string;
  delivery: PaperDelivery;
  status: PaperRequestStatus;
  requestedAt: string;
  printedAt: string | null;
  sentAt: string | null;
}

/** The newest request of each of the person's certificates: certificate id → request. */
export async function paperRequestsOfPerson(db: Kysely<Database>, personId: number): Promise<Map<number, PaperRequestSummary>> {
  const rows = await db
    .selectFrom('paper_requests')
    .select(['id', 'reference', 'certificate_id', 'delivery', 'status', 'requested_at', 'printed_at', 'sent_at'])
    .where('person_id', '=', personId)
    .orderBy('requested_at')
    .orderBy('id')
    .execute();
  const latest = new Map<number, PaperRequestSummary>();
  for (const r of rows) {
    latest.set(r.certificate_id, { id: r.id, reference: r.reference, delivery: r.delivery, status: r.status, requestedAt: r.requested_at, printedAt: r.printed_at, sentAt: r.sent_at });
  }
  return latest;
}

/** Whether a request is still being worked on: a new one for the same certificate must wait until it is sent. */
export function isOpen(request: Pick<PaperRequestSummary, 'status'> | undefined): boolean {
  return request !== undefined && request.status !== 'sent';
}

// ---- Drafts: forms sent after the session ended ----

/** Whose draft: the holder, and who typed it (the holder themselves or their representative). */
export type DraftOwner = Pick<EserviceSubject, 'personId' | 'actorCode'>;

export interface PaperDraft {
  /** The form's fields as they were typed. */
  form: Record<string, string>;
  savedAt: Date;
  expiresAt: Date;
}

/** Keeps a form as the owner's draft of this certificate until `expiresAt`, replacing an earlier draft of it. */
export async function savePaperDraft(
  db: Kysely<Database>,
  owner: DraftOwner,
  certificateId: number,
  form: Record<string, string>,
  now: Date,
  expiresAt: Date,
): Promise<void> {
  const row = { form: JSON.stringify(form), saved_at: now.toISOString(), expires_at: expiresAt.toISOString() };
  await db
    .insertInto('paper_request_drafts')
    .values({ person_id: owner.personId, actor_code: owner.actorCode, certificate_id: certificateId, ...row })
    .onConflict((oc) => oc.columns(['person_id', 'actor_code', 'certificate_id']).doUpdateSet(row))
    .execute();
}

/** The owner's unexpired drafts: certificate id → draft. Someone else's are never found. */
export async function paperDraftsOf(db: Kysely<Database>, owner: DraftOwner, now: Date): Promise<Map<number, PaperDraft>> {
  const rows = await db
    .selectFrom('paper_request_drafts')
    .select(['certificate_id', 'form', 'saved_at', 'expires_at'])
    .where('person_id', '=', owner.personId)
    .where('actor_code', '=', owner.actorCode)
    .where('expires_at', '>', now.toISOString())
    .execute();
  const drafts = new Map<number, PaperDraft>();
  for (const r of rows) {
    const form = JSON.parse(r.form) as unknown;
    if (typeof form !== 'object' || form === null) continue;
    const fields = Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
    drafts.set(r.certificate_id, { form: fields, savedAt: new Date(r.saved_at), expiresAt: new Date(r.expires_at) });
  }
  return drafts;
}

/** Removes drafts past their time; returns how many. */
export async function purgeExpiredPaperDrafts(db: Kysely<Database>, now: Date): Promise<number> {
  const result = await db.deleteFrom('paper_request_drafts').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---- Agency staff ----


export interface PaperRequestFilters {
  status: PaperStatusFilter;
  delivery?: PaperDelivery;
  /** Requested on or after this Latvian date (YYYY-MM-DD). */
  from?: string;
  /** Requested on or before this Latvian date (YYYY-MM-DD). */
  to?: string;
}

export interface PaperRequestRow {
  id: number;
  reference: string;
  certificateNumber: string;
  holderName: string;
  representative: boolean;
  delivery: PaperDelivery;
  recipient: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  postcode: string | null;
  country: string | null;
  status: PaperRequestStatus;
  requestedAt: string;
  printedAt: string | null;
  sentAt: string | null;
}

function filtered(db: Kysely<Database>, filters: PaperRequestFilters) {
  let query = db
    .selectFrom('paper_requests')
    .innerJoin('certificates', 'certificates.id', 'paper_requests.certificate_id')
    .innerJoin('persons', 'persons.id', 'paper_requests.person_id');
  if (filters.status === 'open') query = query.where('paper_requests.status', '<>', 'sent');
  else if (filters.status !== 'all') query = query.where('paper_requests.status', '=', filters.status);
  if (filters.delivery) query = query.where('paper_requests.delivery', '=', filters.delivery);
  if (filters.from && isIsoDate(filters.from)) query = query.where('paper_requests.requested_at', '>=', rigaDay(filters.from).start.toISOString());
  if (filters.to && isIsoDate(filters.to)) query = query.where('paper_requests.requested_at', '<', rigaDay(filters.to).end.toISOString());
  return query;
}

/** One page of requests matching the filters, oldest first (the order they are worked through), with the total. */
export async function listPaperRequests(db: Kysely<Database>, filters: PaperRequestFilters, page: { offset: number; limit: number }): Promise<{ items: PaperRequestRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, filters)
      .select([
        'paper_requests.id',
        'paper_requests.reference',
        'certificates.number',
        'persons.first_name',
        'persons.last_name',
        'paper_requests.representative',
        'paper_requests.delivery',
        'paper_requests.recipient',
        'paper_requests.address_line1',
        'paper_requests.address_line2',
        'paper_requests.city',
        'paper_requests.postcode',
        'paper_requests.country',
        'paper_requests.status',
        'paper_requests.requested_at',
        'paper_requests.printed_at',
        'paper_requests.sent_at',
      ])
      .orderBy('paper_requests.requested_at')
      .orderBy('paper_requests.id')
      .offset(page.offset)
      .limit(page.limit)
      .execute(),
    filtered(db, filters).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    total: Number(count.n),
    items: rows.map((r) => ({
      id: r.id,
      reference: r.reference,
      certificateNumber: r.number,
      holderName: `${r.first_name} ${r.last_name}`,
      representative: r.representative === 1,
      delivery: r.delivery,
      recipient: r.recipient,
      addressLine1: r.address_line1,
      addressLine2: r.address_line2,
      city: r.city,
      postcode: r.postcode,
      country: r.country,
      status: r.status,
      requestedAt: r.requested_at,
      printedAt: r.printed_at,
      sentAt: r.sent_at,
    })),
  };
}

/**
 * Moves a request one step on: `printed` from `received`, `sent` from `printed`. Anything else (already done,
 * unknown request, a step skipped) is refused with `paperRequests.error.state` and changes nothing.
 */
export async function advancePaperRequest(db: Kysely<Database>, requestId: number, to: 'printed' | 'sent', staff: { userId: number; actor: string }, now = new Date()): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const at = now.toISOString();
    const result =
      to === 'printed'
        ? await trx.updateTable('paper_requests').set({ status: 'printed', printed_at: at, printed_by: staff.userId }).where('id', '=', requestId).where('status', '=', 'received').executeTakeFirst()
        : await trx.updateTable('paper_requests').set({ status: 'sent', sent_at: at, sent_by: staff.userId }).where('id', '=', requestId).where('status', '=', 'printed').executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new PaperRequestError('paperRequests.error.state', { id: requestId });
    await audit(trx, { actor: staff.actor, channel: 'agency', action: `paper-request.${to}`, subject: `paper-request:${requestId}` }, now);
  });
}

export interface PostalListRow {
  requestId: number;
  certificateNumber: string;
  holderName: string;
  recipient: string;
  addressLine1: string;
  addressLine2: string | null;
  city: string;
  postcode: string;
  country: string;
  /** ISO instants. */
  requestedAt: string;
  sentAt: string;
}

/** Requests posted on the Riga day `date` (YYYY-MM-DD): delivered by post and marked sent that day. */
function postedOn(db: Kysely<Database>, date: string) {
  if (!isIsoDate(date)) throw new RangeError(`not a date: ${date}`);
  const day = rigaDay(date);
  return db
    .selectFrom('paper_requests')
    .where('paper_requests.delivery', '=', 'post')
    .where('paper_requests.status', '=', 'sent')
    .where('paper_requests.sent_at', '>=', day.start.toISOString())
    .where('paper_requests.sent_at', '<', day.end.toISOString());
}

export async function countPostalList(db: Kysely<Database>, date: string): Promise<number> {
  const row = await postedOn(db, date).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The day's postal list: every request delivered by post that was marked sent on that Latvian calendar day
 * (`date`, YYYY-MM-DD), in the order they were sent, in batches like the other report rows, so the list may be as
 * long as it likes.
 */
export async function* postalListRows(db: Kysely<Database>, date: string, batchSize = REPORT_BATCH_ROWS): AsyncGenerator<PostalListRow[]> {
  let after: { sentAt: string; id: number } | undefined;
  for (;;) {
    let query = postedOn(db, date)
      .innerJoin('certificates', 'certificates.id', 'paper_requests.certificate_id')
      .innerJoin('persons', 'persons.id', 'paper_requests.person_id')
      .select([
        'paper_requests.id',
        'certificates.number',
        'persons.first_name',
        'persons.last_name',
        'paper_requests.recipient',
        'paper_requests.address_line1',
        'paper_requests.address_line2',
        'paper_requests.city',
        'paper_requests.postcode',
        'paper_requests.country',
        'paper_requests.requested_at',
        'paper_requests.sent_at',
      ]);
    if (after) {
      const { sentAt, id } = after;
      query = query.where((eb) => eb.or([eb('paper_requests.sent_at', '>', sentAt), eb.and([eb('paper_requests.sent_at', '=', sentAt), eb('paper_requests.id', '>', id)])]));
    }
    const rows = await query.orderBy('paper_requests.sent_at').orderBy('paper_requests.id').limit(batchSize).execute();
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      requestId: r.id,
      certificateNumber: r.number,
      holderName: `${r.first_name} ${r.last_name}`,
      recipient: r.recipient ?? '',
      addressLine1: r.address_line1 ?? '',
      addressLine2: r.address_line2,
      city: r.city ?? '',
      postcode: r.postcode ?? '',
      country: r.country ?? '',
      requestedAt: r.requested_at,
      sentAt: r.sent_at ?? '',
    }));
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { sentAt: last.sent_at ?? '', id: last.id };
  }
}
