/**
 * When results become visible, and for how long the student portal keeps showing them.
 */
import { rigaParts, rigaToInstant } from './riga-time.js';

export type Education = 'basic' | 'secondary';

/** A school year is named by the calendar year it starts in: 2025 is 2025/2026. */
export interface SchoolYearReleases {
  basic: Date;
  secondary: Date;
}

/** Basic education results open on 26 June 09:00 and secondary on 3 July 09:00, Latvian time, of the year the school year ends. */
export function defaultReleaseMoments(startYear: number): SchoolYearReleases {
  const year = startYear + 1;
  return {
    basic: rigaToInstant({ year, month: 6, day: 26, hour: 9, minute: 0 }),
    secondary: rigaToInstant({ year, month: 7, day: 3, hour: 9, minute: 0 }),
  };
}

export function isReleased(releaseMoment: Date, now: Date): boolean {
  return now.getTime() >= releaseMoment.getTime();
}

export const STUDENT_WINDOW_MONTHS = 6;

/**
 * The earliest moment still inside the student portal's window: the same Latvian wall-clock time six calendar
 * months back (31 August looks back to 28/29 February, never into March; 09:00 stays 09:00 across the clock change).
 */
export function studentWindowStart(now: Date): Date {
  const local = rigaParts(now);
  const monthIndex = local.year * 12 + (local.month - 1) - STUDENT_WINDOW_MONTHS;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const start = rigaToInstant({ year, month, day: Math.min(local.day, lastDay), hour: local.hour, minute: local.minute });
  return new Date(start.getTime() + local.second * 1000 + now.getUTCMilliseconds());
}

/** A result is in the student window if it was released no more than six months ago (and is released). */
export function isInStudentWindow(releaseMoment: Date, now: Date): boolean {
  return isReleased(releaseMoment, now) && releaseMoment.getTime() >= studentWindowStart(now).getTime();
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
