/**
 * What staff may ask of the report queue, and how the form on "Reports > Statistical reports" turns into it.
 * Pure: the form's fields in, a typed request or the list of problems (message keys per field) out.
 */
import type { AuditFilters } from './audit-trail.js';
import type { Translate } from '../i18n.js';
import { formatDate, formatRigaDateTime, isIsoDate, rigaToInstant } from './riga-time.js';

export const REPORT_TYPES = ['institution-results', 'applications', 'graduates'] as const;
export type ReportTypeName = (typeof REPORT_TYPES)[number];
export const REPORT_FORMATS = ['xlsx', 'csv'] as const;
export type ReportFormatName = (typeof REPORT_FORMATS)[number];
export const EDUCATION_TYPES = ['basic', 'secondary'] as const;

/** The report itself, without who asked or about which institution. */
export type ReportRequest =
  /** The institution's results in one exam session: one row per registered candidate. */
  | { type: 'institution-results'; sessionId: number }
  /** Centralised-exam applications made in [from, to] (ISO instants): one row per candidate. */
  | { type: 'applications'; from: string; to: string }
  /** Applicants' and graduates' results as registered on the selection date, for basic or secondary education. */
  | { type: 'graduates'; selectionDate: string; education: 'basic' | 'secondary' }
  /** Agency only, ordered from the paper-requests page: the paper copies posted on that Riga day (YYYY-MM-DD). */
  | { type: 'postal-list'; date: string }
  /** Agency only, ordered from the audit trail page: the entries the search found, newest first. */
  | { type: 'audit-trail'; filters: AuditFilters };

/** What is stored with a job: the request and the language its headings are written in. */
export interface ReportParameters {
  request: ReportRequest;
  lang: 'lv' | 'en';
  /**
   * Agency staff, who load and check results, see them at once. Without it (school staff, and any job that
   * does not say) results and certificates appear only once released, as for the students themselves ("before
   * that moment nothing of those results is visible").
   */
  allResults?: boolean;
}

export interface ParsedReportForm {
  type: ReportTypeName;
  format: ReportFormatName;
  request: ReportRequest;
  /** The institution field as given (resolved against the user's scope by the caller). */
  institution: string | undefined;
}

/** A problem with one field: the field's name and a message key under `reports.problem.`. */
export interface ReportFormProblem {
  field: string;
  problem: 'required' | 'invalid' | 'order' | 'range';
}

/** The longest period an applications report may cover: two school years. */
export const MAX_APPLICATIONS_DAYS = 731;

function isOneOf<T extends string>(values: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (values as readonly string[]).includes(value);
}

/** A `datetime-local` value (YYYY-MM-DDTHH:MM, Riga time) as an instant, or undefined. */
export function parseRigaDateTime(value: string | undefined): Date | undefined {
  const match = value ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value) : null;
  if (!match || !isIsoDate(`${match[1]}-${match[2]}-${match[3]}`)) return undefined;
  const [hour, minute] = [Number(match[4]), Number(match[5])];
  if (hour > 23 || minute > 59) return undefined;
  return rigaToInstant({ year: Number(match[1]), month: Number(match[2]), day: Number(match[3]), hour, minute });
}

export function parseReportForm(
  form: Record<string, string | undefined>,
): { ok: true; value: ParsedReportForm } | { ok: false; problems: ReportFormProblem[] } {
  const problems: ReportFormProblem[] = [];
  const need = (field: string) => {
    const value = form[field]?.trim();
    if (!value) problems.push({ field, problem: 'required' });
    return value || undefined;
  };
  const typeValue = need('report_type');
  const formatValue = need('format');
  const type = isOneOf(REPORT_TYPES, typeValue) ? typeValue : undefined;
  if (typeValue && !type) problems.push({ field: 'report_type', problem: 'invalid' });
  const format = isOneOf(REPORT_FORMATS, formatValue) ? formatValue : undefined;
  if (formatValue && !format) problems.push({ field: 'format', problem: 'invalid' });
  const institution = form.institution?.trim() || undefined;
  if (institution !== undefined && !/^\d{1,9}$/.test(institution)) problems.push({ field: 'institution', problem: 'invalid' });

  let request: ReportRequest | undefined;
  if (type === 'institution-results') {
    const session = need('session');
    if (session && !/^\d{1,9}$/.test(session)) problems.push({ field: 'session', problem: 'invalid' });
    else if (session) request = { type, sessionId: Number(session) };
  } else if (type === 'applications') {
    const fromText = need('from');
    const toText = need('to');
    const from = parseRigaDateTime(fromText);
    const to = parseRigaDateTime(toText);
    if (fromText && !from) problems.push({ field: 'from', problem: 'invalid' });
    if (toText && !to) problems.push({ field: 'to', problem: 'invalid' });
    if (from && to) {
      if (to.getTime() < from.getTime()) problems.push({ field: 'to', problem: 'order' });
      else if (to.getTime() - from.getTime() > MAX_APPLICATIONS_DAYS * 86_400_000) problems.push({ field: 'to', problem: 'range' });
      // The form's minutes are inclusive: "to 23:59" takes in the whole minute.
      else request = { type, from: from.toISOString(), to: new Date(to.getTime() + 59_999).toISOString() };
    }
  } else if (type === 'graduates') {
    const date = need('selection_date');
    const education = need('education');
    if (date && !isIsoDate(date)) problems.push({ field: 'selection_date', problem: 'invalid' });
    if (education && !isOneOf(EDUCATION_TYPES, education)) problems.push({ field: 'education', problem: 'invalid' });
    if (date && isIsoDate(date) && isOneOf(EDUCATION_TYPES, education)) request = { type, selectionDate: date, education };
  }
  if (problems.length > 0 || !type || !format || !request) {
    return { ok: false, problems: problems.length > 0 ? problems : [{ field: 'report_type', problem: 'required' }] };
  }
  return { ok: true, value: { type, format, request, institution } };
}

/** What a request's description names that its parameters hold only as ids, already in the reader's language. */
export interface ReportSubjectNames {
  /** The exam session of an institution-results report. */
  session?: string;
  /** The institution, or "all institutions". */
  institution: string;
}

/**
 * A report's parameters as short phrases ("Norise: …", "Laikposms: …"), for the list of requested reports and the
 * title row of the file alike.
 */
export function describeReportRequest(request: ReportRequest, names: ReportSubjectNames, t: Translate): string[] {
  const parts: string[] = [];
  switch (request.type) {
    case 'institution-results':
      parts.push(t('reportFile.parameters.session', { session: names.session ?? `#${request.sessionId}` }));
      break;
    case 'applications':
      parts.push(t('reportFile.parameters.period', { from: formatRigaDateTime(new Date(request.from)), to: formatRigaDateTime(new Date(request.to)) }));
      break;
    case 'graduates':
      parts.push(
        t('reportFile.parameters.selectionDate', { date: formatDate(request.selectionDate) }),
        t('reportFile.parameters.education', { education: t(`reportFile.parameters.educationType.${request.education}`) }),
      );
      break;
    case 'postal-list':
      return [t('reportFile.parameters.postedOn', { date: formatDate(request.date) })];
  }
  parts.push(t('reportFile.parameters.institution', { institution: names.institution }));
  return parts;
}
