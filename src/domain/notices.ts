/**
 * "Your results are available" e-mail notices: which addresses are accepted, which release moment a notice
 * announces, which answers of a mail server are worth another try and when, and how an address is masked in logs.
 */
import type { Education } from './release.js';

/** RFC 5321's limit on a whole address (the path is 256 with its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/** How long the confirmation link in a message works. */
export const CONFIRM_LINK_HOURS = 48;

/** How long the record of a message (when, message id, outcome; never the address) is kept. */
export const NOTICE_RECORD_DAYS = 400;

/** Attempts at one message before a temporary failure counts as final. */
export const MAX_SEND_ATTEMPTS = 8;

// One @, something before it, a dotted domain after it, nothing a header could be split on. Whether the mailbox
// exists is what the confirmation link finds out.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$/;

export type EmailProblem = 'missing' | 'format' | 'length';

/** The address as it is stored: trimmed, its domain in lower case; or why it is not an address we accept. */
export function parseEmailAddress(input: string): { ok: true; email: string } | { ok: false; problem: EmailProblem } {
  const text = input.trim();
  if (text === '') return { ok: false, problem: 'missing' };
  if (text.length > MAX_EMAIL_LENGTH) return { ok: false, problem: 'length' };
  if (!ADDRESS.test(text)) return { ok: false, problem: 'format' };
  const at = text.lastIndexOf('@');
  return { ok: true, email: `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}` };
}

/** A school year's release moment for one education, as the outbox names it: "2025:basic". */
export function releaseKey(startYear: number, education: Education): string {
  return `${startYear}:${education}`;
}

export function parseReleaseKey(key: string): { startYear: number; education: Education } | undefined {
  const match = /^(\d{4}):(basic|secondary)$/.exec(key);
  return match ? { startYear: Number(match[1]), education: match[2] as Education } : undefined;
}

/**
 * What a failed attempt means: a 4xx answer (greylisting, a full mailbox for now, "try later") or no answer at
 * all (connection refused or cut) is temporary; a 5xx answer (no such mailbox, refused) is final.
 */
export function isTemporaryFailure(responseCode: number | undefined): boolean {
  return responseCode === undefined || (responseCode >= 400 && responseCode < 500);
}

/** How long to wait after the attempt numbered `attempts` (1 = the first) failed for now: 1, 2, 4… minutes, at most 4 hours. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 4 * 3_600_000);
}

/** Anything shaped like an e-mail address in a text, for the log: "l***@example.lv". */
export function maskEmailAddressesInText(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(
    /([^\s@<>"'(),;:[\]\\]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/g,
    (_all, local: string, domain: string) => `${local.slice(0, 1)}***@${domain}`,
  );
}
