/**
 * Applying for the exams: the rules, without I/O. When an application window is open (Latvian time), which
 * choices of exams are allowed, when an international certificate replaces a foreign-language exam, what a
 * candidate code looks like, and where two exams of a statement of entry fall on the same day. Every refusal is a
 * message key under `apply.` with its parameters, translated where it is shown.
 */
import type { Level } from './catalogue.js';
import { rigaToInstant } from './riga-time.js';

export type ExamGroup = 'secondary' | 'basic' | 'external';
export const EXAM_GROUPS: readonly ExamGroup[] = ['secondary', 'basic', 'external'];
export type CefrLevel = 'A1' | 'A2' | 'B1' | 'B2' | 'C1' | 'C2';
export const CEFR_LEVELS: readonly CefrLevel[] = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];

/** The education whose exams an exam group takes: external candidates already hold a secondary education. */
export function educationOfGroup(group: ExamGroup): 'basic' | 'secondary' {
  return group === 'basic' ? 'basic' : 'secondary';
}

// ---- Windows ----

export interface ApplicationWindow {
  opensAt: Date;
  /** The last minute in which applications are accepted: "until 15 December 23:59" takes 23:59:59 too. */
  closesAt: Date;
}

export type WindowState = 'not-set' | 'before' | 'open' | 'closed';

const MINUTE = 60_000;

export function windowState(window: ApplicationWindow | undefined, now: Date): WindowState {
  if (!window) return 'not-set';
  if (now.getTime() < window.opensAt.getTime()) return 'before';
  if (now.getTime() < window.closesAt.getTime() + MINUTE) return 'open';
  return 'closed';
}

/** The default window of a school year (2026/27: 5 December 2026 10:00 to 15 December 2026 23:59, Latvian time). */
export function defaultWindow(schoolYear: number): ApplicationWindow {
  return {
    opensAt: rigaToInstant({ year: schoolYear, month: 12, day: 5, hour: 10, minute: 0 }),
    closesAt: rigaToInstant({ year: schoolYear, month: 12, day: 15, hour: 23, minute: 59 }),
  };
}

/** Why a window cannot be set as given, or undefined. */
export function windowProblem(window: ApplicationWindow): string | undefined {
  return window.closesAt.getTime() > window.opensAt.getTime() ? undefined : 'apply.window.order';
}

/** The school year a moment belongs to: from 1 August of its start year (Latvian school years run September–August). */
export function schoolYearAt(now: Date): number {
  const year = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Riga', year: 'numeric' }).format(now));
  return now.getTime() >= rigaToInstant({ year, month: 8, day: 1, hour: 0, minute: 0 }).getTime() ? year : year - 1;
}

// ---- Choices ----

/** An exam offered in a school year, as the choice rules need it. */
export interface OfferedExam {
  code: string;
  level: Level | null;
}

/** The subject an exam belongs to: the first three letters of its code (LATOL and LATAL are both LAT). */
export function subjectOf(examCode: string): string {
  return examCode.slice(0, 3);
}

export interface Refusal {
  key: string;
  params: Record<string, string | number>;
}

/**
 * What is wrong with a choice of exams, or nothing: at least one exam; only exams offered that school year; one
 * level per subject; each exam (any level of its subject) once per school year, so none applied for through
 * another institution's application.
 */
export function choiceRefusals(input: { offered: readonly OfferedExam[]; chosen: readonly string[]; takenElsewhere: readonly string[] }): Refusal[] {
  const refusals: Refusal[] = [];
  if (input.chosen.length === 0) refusals.push({ key: 'apply.refused.none', params: {} });
  const offered = new Set(input.offered.map((e) => e.code));
  const bySubject = new Map<string, string[]>();
  for (const code of new Set(input.chosen)) {
    if (!offered.has(code)) {
      refusals.push({ key: 'apply.refused.not-offered', params: { exam: code } });
      continue;
    }
    bySubject.set(subjectOf(code), [...(bySubject.get(subjectOf(code)) ?? []), code]);
  }
  for (const codes of bySubject.values()) {
    if (codes.length > 1) refusals.push({ key: 'apply.refused.one-level', params: { exams: codes.join(', ') } });
  }
  const elsewhere = new Map(input.takenElsewhere.map((code) => [subjectOf(code), code]));
  for (const [subject, codes] of bySubject) {
    const other = elsewhere.get(subject);
    if (other) refusals.push({ key: 'apply.refused.once-per-year', params: { exam: codes[0]!, other } });
  }
  return refusals;
}

// ---- International certificates ----

const FOREIGN_LANGUAGE_SUBJECTS = new Set(['ANG', 'VAC', 'FRA', 'KRI']);

export function isForeignLanguageExam(examCode: string): boolean {
  return FOREIGN_LANGUAGE_SUBJECTS.has(subjectOf(examCode));
}

export interface InternationalCertificateClaim {
  cefrLevel: CefrLevel;
  /** YYYY-MM-DD; absent: valid from before the exam. */
  validFrom?: string | null;
  /** YYYY-MM-DD, the last day it is valid; absent: it does not expire. */
  validUntil?: string | null;
}

/** The lowest CEFR level that replaces an exam of that level: the higher level needs C1, any other B2. */
export function requiredCefrLevel(level: Level | null): CefrLevel {
  return level === 'higher' ? 'C1' : 'B2';
}

/**
 * Why an international certificate cannot replace the exam, or undefined (Cabinet Regulation No. 795 of 2022: a
 * certificate at B2 or higher replaces the optimal level, C1 or higher the higher level, valid on the exam day).
 */
export function internationalCertificateRefusal(
  claim: InternationalCertificateClaim,
  exam: { code: string; level: Level | null; examDay: string },
): Refusal | undefined {
  if (!isForeignLanguageExam(exam.code)) return { key: 'apply.certificate.not-language', params: { exam: exam.code } };
  const required = requiredCefrLevel(exam.level);
  if (CEFR_LEVELS.indexOf(claim.cefrLevel) < CEFR_LEVELS.indexOf(required)) {
    return {
      key: exam.level === 'higher' ? 'apply.certificate.below-higher' : 'apply.certificate.below-optimal',
      params: { level: claim.cefrLevel, required },
    };
  }
  if (claim.validUntil && claim.validUntil < exam.examDay) return { key: 'apply.certificate.expires', params: { until: claim.validUntil, day: exam.examDay } };
  if (claim.validFrom && claim.validFrom > exam.examDay)
    return { key: 'apply.certificate.not-yet-valid', params: { from: claim.validFrom, day: exam.examDay } };
  return undefined;
}

// ---- Candidate codes ----

/**
 * A candidate code in the seeds' shape, 12 digits: a digit of the school year, four of the institution, seven of a
 * serial number within them (e.g. 733200000308).
 */
export function candidateCode(schoolYear: number, institutionId: number, serial: number): string {
  return `${3 + (schoolYear % 7)}${String(institutionId % 10000).padStart(4, '0')}${String(serial % 10_000_000).padStart(7, '0')}`;
}

/** The first five digits a candidate code of that year and institution begins with. */
export function candidateCodePrefix(schoolYear: number, institutionId: number): string {
  return candidateCode(schoolYear, institutionId, 0).slice(0, 5);
}

// ---- The statement of entry ----

/** The days on which two or more of the exams begin (YYYY-MM-DD), for the warning on the statement of entry. */
export function sameDayExams<T extends { startsOn: string }>(entries: readonly T[]): Set<string> {
  const count = new Map<string, number>();
  for (const entry of entries) count.set(entry.startsOn, (count.get(entry.startsOn) ?? 0) + 1);
  return new Set([...count].filter(([, n]) => n > 1).map(([day]) => day));
}

/** Which change a history entry records, as JSON in application_changes.details. */
export interface ApplicationChangeDetails {
  added: string[];
  removed: string[];
  /** Exam codes of a subject whose level changed: [from, to]. */
  levels: [string, string][];
}

/** What changes from one choice of exams to another, subject by subject. */
export function diffChoices(before: readonly string[], after: readonly string[]): ApplicationChangeDetails {
  const old = new Map(before.map((code) => [subjectOf(code), code]));
  const next = new Map(after.map((code) => [subjectOf(code), code]));
  const details: ApplicationChangeDetails = { added: [], removed: [], levels: [] };
  for (const [subject, code] of next) {
    const was = old.get(subject);
    if (!was) details.added.push(code);
    else if (was !== code) details.levels.push([was, code]);
  }
  for (const [subject, code] of old) if (!next.has(subject)) details.removed.push(code);
  return details;
}

export function isNoChange(details: ApplicationChangeDetails): boolean {
  return details.added.length === 0 && details.removed.length === 0 && details.levels.length === 0;
}
