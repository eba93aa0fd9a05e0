/**
 * When results become visible, to whom, and for how long the student portal keeps showing them. The one place
 * the release rule is written; src/data/release.ts says the same in SQL for the queries.
 */
import { rigaParts, rigaToInstant } from './riga-time.js';

export type Education = 'basic' | 'secondary';

/** A school year's release moments, one per education. A school year is named by the calendar year it starts in: 2025 is 2025/2026. */
export interface SchoolYearReleases<Moment = Date> {
  basic: Moment;
  secondary: Moment;
}

/** Basic education results open on 26 June 09:00 and secondary on 3 July 09:00, Latvian time, of the year the school year ends. */
export function defaultReleaseMoments(startYear: number): SchoolYearReleases {
  const year = startYear + 1;
  return {
    basic: rigaToInstant({ year, month: 6, day: 26, hour: 9, minute: 0 }),
    secondary: rigaToInstant({ year, month: 7, day: 3, hour: 9, minute: 0 }),
  };
}

/** The moment an exam's results open: its school year's moment for the exam's education. */
export function releaseMomentOf<Moment>(education: Education, schoolYear: SchoolYearReleases<Moment>): Moment {
  return education === 'basic' ? schoolYear.basic : schoolYear.secondary;
}

export function isReleased(releaseMoment: Date, now: Date): boolean {
  return now.getTime() >= releaseMoment.getTime();
}

/**
 * Who looks at results: the student (results page, their own certificates), the school (its staff pages and
 * reports), the Latvija.lv e-service, the public (verification by number) and the agency's staff.
 */
export type ResultsViewer = 'student' | 'school' | 'eservice' | 'public' | 'agency';

/**
 * Whether the viewer sees results before their release moment: only the agency, which loads, checks and
 * certifies them beforehand. Everyone else sees nothing of a result (not even that a certificate exists) before it.
 */
export function seesUnreleasedResults(viewer: ResultsViewer): boolean {
  return viewer === 'agency';
}

/** Whether results released at `releaseAt` are visible to `viewer` at `now`. */
export function resultsVisibleTo(viewer: ResultsViewer, releaseAt: Date, now: Date): boolean {
  return seesUnreleasedResults(viewer) || isReleased(releaseAt, now);
}

export const STUDENT_WINDOW_MONTHS = 6;

/**
 * The earliest moment still inside the student portal's window: the same Latvian wall-clock time six calendar
 * months back (31 August looks back to 28/29 February, never into March; 09:00 stays 09:00 across the clock change).
 */
export function studentWindowStart(now: Date): Date {
  // Within one minute the answer moves with the clock, second for second (Riga's offset is whole hours), so the
  // calendar arithmetic, the costly part of every results page, is done once a minute.
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  if (minute !== windowOfMinute.minute) windowOfMinute = { minute, start: windowStartAtMinute(new Date(minute)) };
  return new Date(windowOfMinute.start + (now.getTime() - minute));
}

let windowOfMinute = { minute: Number.NaN, start: 0 };

/** The window's start for a moment on a whole minute. */
function windowStartAtMinute(minute: Date): number {
  const local = rigaParts(minute);
  const monthIndex = local.year * 12 + (local.month - 1) - STUDENT_WINDOW_MONTHS;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return rigaToInstant({ year, month, day: Math.min(local.day, lastDay), hour: local.hour, minute: local.minute }).getTime();
}

/** A result is in the student window if it was released no more than six months ago (and is released). */
export function isInStudentWindow(releaseMoment: Date, now: Date): boolean {
  return resultsVisibleTo('student', releaseMoment, now) && releaseMoment.getTime() >= studentWindowStart(now).getTime();
}

/** The school year a moment falls in, named by its start year: a school year runs from 1 September in Latvia. */
export function schoolYearAt(now: Date): number {
  const local = rigaParts(now);
  return local.month >= 9 ? local.year : local.year - 1;
}

/** "2025/2026" ↔ 2025. */
export function schoolYearName(startYear: number): string {
  return `${startYear}/${startYear + 1}`;
}

/** The seed's notation: "2023./2024.". */
export function schoolYearLabel(startYear: number): string {
  return `${startYear}./${startYear + 1}.`;
}

export function parseSchoolYear(text: string): number | undefined {
  const match = /^(\d{4})\.?\s*\/\s*(\d{4})\.?$/.exec(text.trim());
  if (match) return Number(match[2]) === Number(match[1]) + 1 ? Number(match[1]) : undefined;
  return undefined;
}
