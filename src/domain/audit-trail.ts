/**
 * The audit trail's search, as the agency asks it: the filters, how the search form turns into them (pure: the
 * form's fields in, filters or problems out), which actions count as someone seeing a person's data, and the
 * channels a reader is shown. The person is named on the form by personal code; the caller turns it into the
 * register's id, so the stored export job never holds the code.
 */
import { parseCertificateNumber, buildCertificateNumber } from './certificate-number.js';
import { parsePersonalCode } from './personal-code.js';
import { isIsoDate } from './riga-time.js';

/** What the search asks; every field narrows it. Dates are Latvian calendar dates (YYYY-MM-DD), both inclusive. */
export interface AuditFilters {
  /** The register's person (the page turns the personal code it was given into this id). */
  personId?: number;
  /** A certificate number as the register writes it. */
  certificateNumber?: string;
  /** The actor exactly as the log names them: `user:12`, `person:34`, `public`, `cli:…`. */
  actor?: string;
  /** An action, or a family of them ending in a dot: `certificate.` matches `certificate.download` and the rest. */
  action?: string;
  /** Only the entries in which someone saw or downloaded a certificate or personal data. */
  accessOnly?: boolean;
  from?: string;
  to?: string;
}

/** The actions in which someone saw or downloaded a person's certificates or personal data. */
export const ACCESS_ACTIONS = [
  'certificate.download',
  'certificates.bulk-download',
  'certificates.list',
  'certificate.verify-number',
  'certificate.verify-upload',
  'personal-code.reveal',
  'paper-request.create',
] as const;

/** The channels a person's data is reached through, as the trail groups them for a reader. */
export type AccessChannel = 'student' | 'school' | 'eservice' | 'verification' | 'agency' | 'other';

export function accessChannel(channel: string): AccessChannel {
  if (channel === 'student' || channel === 'school' || channel === 'eservice' || channel === 'agency') return channel;
  if (channel === 'verify' || channel === 'verify-api') return 'verification';
  return 'other';
}

/** A problem with one field of the search form: the field's name and a key under `agency.audit.problem.`. */
export interface AuditFormProblem {
  field: 'person' | 'certificate' | 'actor' | 'action' | 'from' | 'to';
  problem: 'invalid' | 'order' | 'empty';
}

export interface ParsedAuditForm {
  /** The person's personal code, normalised, for the caller to find in the register. */
  personalCode?: string;
  filters: Omit<AuditFilters, 'personId'>;
}

/** The search form's fields. At least one narrowing field is needed: the whole log is not a search. */
export function parseAuditForm(form: Record<string, string | undefined>): { ok: true; value: ParsedAuditForm } | { ok: false; problems: AuditFormProblem[] } {
  const problems: AuditFormProblem[] = [];
  const value = (name: string) => form[name]?.trim() || undefined;
  const filters: ParsedAuditForm['filters'] = {};
  let personalCode: string | undefined;
  const person = value('person');
  if (person) {
    const parsed = parsePersonalCode(person);
    if (parsed.ok) personalCode = parsed.code;
    else problems.push({ field: 'person', problem: 'invalid' });
  }
  const certificate = value('certificate');
  if (certificate) {
    const parsed = parseCertificateNumber(certificate);
    if (parsed) filters.certificateNumber = buildCertificateNumber(parsed);
    else problems.push({ field: 'certificate', problem: 'invalid' });
  }
  const actor = value('actor');
  if (actor) {
    if (/^[\w:.*@-]{1,80}$/.test(actor)) filters.actor = actor;
    else problems.push({ field: 'actor', problem: 'invalid' });
  }
  const action = value('action');
  if (action) {
    if (/^[a-z][a-z0-9.-]{0,60}$/.test(action)) filters.action = action;
    else problems.push({ field: 'action', problem: 'invalid' });
  }
  if (form.access === 'yes') filters.accessOnly = true;
  const from = value('from');
  const to = value('to');
  if (from && !isIsoDate(from)) problems.push({ field: 'from', problem: 'invalid' });
  if (to && !isIsoDate(to)) problems.push({ field: 'to', problem: 'invalid' });
  if (from && to && isIsoDate(from) && isIsoDate(to) && to < from) problems.push({ field: 'to', problem: 'order' });
  if (from && isIsoDate(from)) filters.from = from;
  if (to && isIsoDate(to)) filters.to = to;
  if (problems.length > 0) return { ok: false, problems };
  if (!personalCode && !filters.certificateNumber && !filters.actor && !filters.action && !filters.from && !filters.to) {
    return { ok: false, problems: [{ field: 'person', problem: 'empty' }] };
  }
  return { ok: true, value: { ...(personalCode ? { personalCode } : {}), filters } };
}
