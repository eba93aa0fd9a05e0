/**
 * The rules of a holder's share link: what a holder may ask for (a recipient, a language, an expiry of a day to
 * a year, certificates of their own) and what state a link is in at a moment.
 */

export const SHARE_MIN_DAYS = 1;
export const SHARE_MAX_DAYS = 365;
/** The expiries the form offers; any whole number of days in the range is accepted. */
export const SHARE_DAY_CHOICES = [1, 7, 30, 90, 180, 365] as const;
export const SHARE_DEFAULT_DAYS = 30;
/** How long a link that has ended (expired or withdrawn) stays in its holder's list, with the recipient's name. */
export const ENDED_SHARE_LINK_KEPT_DAYS = 90;
export const RECIPIENT_MAX_LENGTH = 200;

const DAY_MS = 24 * 60 * 60_000;

export type ShareLanguage = 'lv' | 'en';

/** A certificate the holder may put on a link. */
export interface ShareableCertificate {
  certificateId: number;
  schoolYear: number;
}

export interface ShareRequest {
  recipient: string;
  language: ShareLanguage;
  days: number;
  certificateIds: number[];
}

export type ShareProblem = { field: 'recipient' | 'language' | 'days' | 'certificates'; key: string };

export type ShareParse = { ok: true; value: ShareRequest } | { ok: false; problems: ShareProblem[] };

/** The form values that choose a whole school year: `year:2025` is every certificate of 2025/2026. */
export function schoolYearChoice(startYear: number): string {
  return `year:${startYear}`;
}

/**
 * Reads the holder's choices. `certificates` holds certificate ids and `year:…` choices, expanded to the holder's
 * own certificates of that school year; an id that is not among `shareable` is refused, never ignored, so a
 * forged form cannot reach someone else's certificate and a holder always gets what they chose.
 */
export function parseShareRequest(
  form: { recipient?: string; language?: string; days?: string; certificates: readonly string[] },
  shareable: readonly ShareableCertificate[],
): ShareParse {
  const problems: ShareProblem[] = [];
  const recipient = (form.recipient ?? '').replace(/\s+/g, ' ').trim();
  if (recipient.length === 0) problems.push({ field: 'recipient', key: 'share.problem.recipientMissing' });
  else if (recipient.length > RECIPIENT_MAX_LENGTH) problems.push({ field: 'recipient', key: 'share.problem.recipientLong' });
  const language = form.language === 'lv' || form.language === 'en' ? form.language : undefined;
  if (!language) problems.push({ field: 'language', key: 'share.problem.language' });
  const days = form.days && /^\d{1,3}$/.test(form.days) ? Number(form.days) : Number.NaN;
  if (!(days >= SHARE_MIN_DAYS && days <= SHARE_MAX_DAYS)) problems.push({ field: 'days', key: 'share.problem.days' });

  const chosen = new Set<number>();
  let foreign = false;
  for (const value of form.certificates) {
    const year = /^year:(\d{4})$/.exec(value);
    if (year) {
      for (const c of shareable) if (c.schoolYear === Number(year[1])) chosen.add(c.certificateId);
      continue;
    }
    const id = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (shareable.some((c) => c.certificateId === id)) chosen.add(id);
    else foreign = true;
  }
  if (foreign) problems.push({ field: 'certificates', key: 'share.problem.notYours' });
  else if (chosen.size === 0) problems.push({ field: 'certificates', key: 'share.problem.certificatesMissing' });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { recipient, language: language!, days, certificateIds: [...chosen].sort((a, b) => a - b) } };
}

/** When a link made at `createdAt` for `days` days stops working. */
export function shareExpiry(createdAt: Date, days: number): Date {
  return new Date(createdAt.getTime() + days * DAY_MS);
}

export type ShareLinkState = 'active' | 'expired' | 'revoked';

/** A withdrawn link stays withdrawn after its expiry: the holder's decision is what the recipient is told. */
export function shareLinkState(link: { expiresAt: string; revokedAt: string | null }, now: Date): ShareLinkState {
  if (link.revokedAt !== null) return 'revoked';
  return new Date(link.expiresAt).getTime() <= now.getTime() ? 'expired' : 'active';
}
