/**
 * Latvian civil time (Europe/Riga, EET/EEST) without a time-zone library: Intl knows the rules.
 */

const RIGA = 'Europe/Riga';

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: RIGA,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function rigaParts(instant: Date): LocalDateTime & { second: number } {
  const local = new Date(instant.getTime() + offsetMs(instant));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** Riga's clock at an instant, read from Intl (dear when a page does it several times, see offsetMs). */
function formattedParts(instant: Date): Record<string, number> {
  const values: Record<string, number> = {};
  for (const part of partsFormatter.formatToParts(instant)) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return values;
}

/** Riga's offset from UTC at an instant, in ms, as Intl reads it. */
function offsetFromIntl(instant: Date): number {
  const p = formattedParts(instant);
  // Set field by field: Date.UTC would read the years 0–99 as 1900–1999.
  const asUtc = new Date(0);
  asUtc.setUTCFullYear(p.year!, p.month! - 1, p.day!);
  asUtc.setUTCHours(p.hour!, p.minute!, p.second!, 0);
  return asUtc.getTime() - Math.floor(instant.getTime() / 1000) * 1000;
}

// Offsets by UTC hour. Every page that shows a moment reads Riga's clock several times, and Intl's formatToParts,
// called that often, took a tenth of a home page's time. Riga's clocks change at whole UTC hours (01:00), so an
// hour whose start and end have the same offset has it throughout; an hour where they differ is read from Intl
// for each instant.
const offsetsByHour = new Map<number, number | null>();
const KEPT_HOURS = 4096;

function offsetMs(instant: Date): number {
  const hour = Math.floor(instant.getTime() / 3_600_000);
  let offset = offsetsByHour.get(hour);
  if (offset === undefined) {
    const start = offsetFromIntl(new Date(hour * 3_600_000));
    const end = offsetFromIntl(new Date(hour * 3_600_000 + 3_599_000));
    offset = start === end ? start : null;
    if (offsetsByHour.size >= KEPT_HOURS) offsetsByHour.clear();
    offsetsByHour.set(hour, offset);
  }
  return offset ?? offsetFromIntl(instant);
}

/** Offset of Riga from UTC at an instant, in minutes (120 in winter, 180 in summer). */
function offsetMinutes(instant: Date): number {
  return Math.round(offsetMs(instant) / 60000);
}

/**
 * The instant at which Riga's clocks show the given local time. A time skipped by the spring change is
 * read with the winter offset (03:30 becomes 04:30 summer time); an hour repeated in autumn is taken at
 * its first occurrence.
 */
export function rigaToInstant(local: LocalDateTime): Date {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const candidates = new Set([offsetMinutes(new Date(naive - 120 * 60000)), offsetMinutes(new Date(naive - 180 * 60000))]);
  const matches = [...candidates]
    .map((offset) => new Date(naive - offset * 60000))
    .filter((instant) => {
      const p = rigaParts(instant);
      return p.hour === local.hour && p.minute === local.minute && p.day === local.day;
    })
    .sort((a, b) => a.getTime() - b.getTime());
  if (matches.length > 0) return matches[0]!;
  return new Date(naive - 120 * 60000);
}

/** The calendar date in Riga at an instant, as YYYY-MM-DD. */
export function rigaDate(instant: Date): string {
  const p = rigaParts(instant);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * A Latvian calendar day (YYYY-MM-DD) as instants: from its first moment up to, not including, the next day's
 * (23 or 25 hours on the days the clocks change).
 */
export function rigaDay(isoDate: string): { start: Date; end: Date } {
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(year, month - 1, day + 1));
  return {
    start: rigaToInstant({ year, month, day, hour: 0, minute: 0 }),
    end: rigaToInstant({ year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate(), hour: 0, minute: 0 }),
  };
}

/** "03.07.2026 09:00": how Latvian pages write a moment. */
export function formatRigaDateTime(instant: Date): string {
  const p = rigaParts(instant);
  return `${formatDate(rigaDate(instant))} ${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}

/** "2026-07-03" → "03.07.2026". */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}.${m}.${y}`;
}

/** Whether text is a real calendar date written YYYY-MM-DD (no 31 February). */
export function isIsoDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * "2027-06-26 09:00" or "2027-06-26T09:00" (as a datetime-local field sends it), Latvian time, as an instant;
 * undefined for anything else, a day or hour that does not exist included.
 */
export function parseRigaDateTime(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59) return undefined;
  const instant = rigaToInstant({ year, month, day, hour, minute });
  const back = rigaParts(instant);
  return back.month === month && back.day === day ? instant : undefined;
}

/** An instant as a datetime-local field shows it, in Latvian time: "2027-06-26T09:00". */
export function rigaDateTimeInput(instant: Date): string {
  const p = rigaParts(instant);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}
