/**
 * What a school or university records beside the exams a candidate applied for, as rules without I/O: the
 * application a 9th grader's registration rests on, the support measures a candidate is entitled to in the exam,
 * and exemptions with their own deadline (1 March of the school year, not the application window's 15 December).
 */
import { isIsoDate, rigaToInstant } from './riga-time.js';

/**
 * Whose application a school registers a 9th grader on (seed 001): the student's, their legal representative's, or
 * the official's responsible for an imprisoned student's resocialisation.
 */
export const APPLICATION_BASES = ['student', 'representative', 'official'] as const;
export type ApplicationBasis = (typeof APPLICATION_BASES)[number];

/**
 * The support measures used in teaching that apply in the exam: extra time of 30 % or 50 %, someone who reads the
 * tasks aloud, someone who writes down the answers, a separate room, or another measure described in a note.
 */
export const SUPPORT_MEASURES = ['extra-time-30', 'extra-time-50', 'reader', 'scribe', 'separate-room', 'other'] as const;
export type SupportMeasure = (typeof SUPPORT_MEASURES)[number];

/** Extra time is one measure at one rate: 30 % and 50 % together would be a contradiction. */
export function supportMeasureProblem(measures: readonly SupportMeasure[], note: string): string | undefined {
  if (measures.includes('extra-time-30') && measures.includes('extra-time-50')) return 'applySchool.support.problem.both-extra-times';
  if (measures.includes('other') && note.trim() === '') return 'applySchool.support.problem.other-needs-note';
  return undefined;
}

/**
 * The last moment an exemption can be recorded for a school year: 1 March (of the year the exams are in), end of
 * the day, Latvian time. Support measures share it: both rest on school documents the exam's organisers need in
 * time to plan rooms and people.
 */
export function exemptionDeadline(schoolYear: number): Date {
  return new Date(rigaToInstant({ year: schoolYear + 1, month: 3, day: 2, hour: 0, minute: 0 }).getTime() - 1);
}

export function exemptionsOpen(schoolYear: number, now: Date): boolean {
  return now.getTime() <= exemptionDeadline(schoolYear).getTime();
}

export interface ExemptionInput {
  orderNumber: string;
  /** YYYY-MM-DD */
  orderDate: string;
  specialistStatement: string;
}

/** What is wrong with an exemption as given, by field, as message keys; empty when nothing is. */
export function exemptionProblems(input: ExemptionInput, today: string): { field: keyof ExemptionInput; key: string }[] {
  const problems: { field: keyof ExemptionInput; key: string }[] = [];
  if (input.orderNumber.trim() === '' || input.orderNumber.length > 50)
    problems.push({ field: 'orderNumber', key: 'applySchool.exemption.problem.order-number' });
  if (!isIsoDate(input.orderDate)) problems.push({ field: 'orderDate', key: 'applySchool.exemption.problem.order-date' });
  else if (input.orderDate > today) problems.push({ field: 'orderDate', key: 'applySchool.exemption.problem.order-date-future' });
  if (input.specialistStatement.trim() === '' || input.specialistStatement.length > 300)
    problems.push({ field: 'specialistStatement', key: 'applySchool.exemption.problem.statement' });
  return problems;
}
