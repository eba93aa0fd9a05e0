import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  defaultReleaseMoments,
  isInStudentWindow,
  isReleased,
  parseSchoolYear,
  releaseMomentOf,
  resultsVisibleTo,
  schoolYearLabel,
  schoolYearName,
  studentWindowStart,
  type ResultsViewer,
} from '../../src/domain/release.js';
import { formatRigaDateTime, isIsoDate, rigaDate, rigaDay, rigaParts, rigaToInstant } from '../../src/domain/riga-time.js';

describe('release moments', () => {
  it('opens basic results on 26 June 09:00 and secondary on 3 July 09:00 Latvian summer time (UTC+3)', () => {
    const releases = defaultReleaseMoments(2025);
    expect(releases.basic.toISOString()).toBe('2026-06-26T06:00:00.000Z');
    expect(releases.secondary.toISOString()).toBe('2026-07-03T06:00:00.000Z');
    expect(formatRigaDateTime(releases.secondary)).toBe('03.07.2026 09:00');
  });

  it('is released from the moment itself, not a millisecond earlier', () => {
    const { basic } = defaultReleaseMoments(2025);
    expect(isReleased(basic, new Date(basic.getTime() - 1))).toBe(false);
    expect(isReleased(basic, basic)).toBe(true);
  });
});

describe('who sees results when', () => {
  const year = defaultReleaseMoments(2025);

  it('takes an exam’s release moment from its school year by education', () => {
    expect(releaseMomentOf('basic', year)).toBe(year.basic);
    expect(releaseMomentOf('secondary', year)).toBe(year.secondary);
    // The same rule for moments as the database stores them.
    expect(releaseMomentOf('secondary', { basic: '2026-06-26T06:00:00.000Z', secondary: '2026-07-03T06:00:00.000Z' })).toBe('2026-07-03T06:00:00.000Z');
  });

  it('shows students, schools, the e-service and the public nothing before the release moment, everything from it', () => {
    const before = new Date(year.secondary.getTime() - 1);
    for (const viewer of ['student', 'school', 'eservice', 'public'] as const satisfies readonly ResultsViewer[]) {
      expect(resultsVisibleTo(viewer, year.secondary, before), viewer).toBe(false);
      expect(resultsVisibleTo(viewer, year.secondary, year.secondary), viewer).toBe(true);
      expect(resultsVisibleTo(viewer, year.secondary, new Date(year.secondary.getTime() + 86_400_000)), viewer).toBe(true);
    }
  });

  it('shows the agency, which loads and checks results, everything at any time', () => {
    expect(resultsVisibleTo('agency', year.secondary, new Date(year.secondary.getTime() - 1))).toBe(true);
    expect(resultsVisibleTo('agency', year.secondary, new Date('2025-09-01T00:00:00Z'))).toBe(true);
  });

  it('keeps basic and secondary apart: between 26 June and 3 July only basic results are out', () => {
    const between = new Date('2026-06-30T12:00:00Z');
    expect(resultsVisibleTo('school', releaseMomentOf('basic', year), between)).toBe(true);
    expect(resultsVisibleTo('school', releaseMomentOf('secondary', year), between)).toBe(false);
  });
});

describe('Riga time across daylight saving', () => {
  it('uses UTC+2 in winter and UTC+3 in summer', () => {
    expect(rigaToInstant({ year: 2026, month: 1, day: 15, hour: 9, minute: 0 }).toISOString()).toBe('2026-01-15T07:00:00.000Z');
    expect(rigaToInstant({ year: 2026, month: 7, day: 15, hour: 9, minute: 0 }).toISOString()).toBe('2026-07-15T06:00:00.000Z');
  });

  it('handles the change days: 29 March 2026 (03:00 → 04:00) and 25 October 2026 (04:00 → 03:00)', () => {
    expect(rigaToInstant({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }).toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(rigaToInstant({ year: 2026, month: 3, day: 29, hour: 9, minute: 0 }).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    // 03:30 does not exist that morning; it is read with the winter offset and shows as 04:30.
    expect(formatRigaDateTime(rigaToInstant({ year: 2026, month: 3, day: 29, hour: 3, minute: 30 }))).toBe('29.03.2026 04:30');
    // 03:30 happens twice on 25 October; the first one (still summer time) is taken.
    expect(rigaToInstant({ year: 2026, month: 10, day: 25, hour: 3, minute: 30 }).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(rigaToInstant({ year: 2026, month: 10, day: 25, hour: 9, minute: 0 }).toISOString()).toBe('2026-10-25T07:00:00.000Z');
  });

  it('gives a Latvian day as instants, 23 or 25 hours long on the change days', () => {
    expect(rigaDay('2026-07-01')).toEqual({ start: new Date('2026-06-30T21:00:00Z'), end: new Date('2026-07-01T21:00:00Z') });
    expect(rigaDay('2026-12-31')).toEqual({ start: new Date('2026-12-30T22:00:00Z'), end: new Date('2026-12-31T22:00:00Z') });
    expect(rigaDay('2026-03-29')).toEqual({ start: new Date('2026-03-28T22:00:00Z'), end: new Date('2026-03-29T21:00:00Z') });
    expect(rigaDay('2026-10-25')).toEqual({ start: new Date('2026-10-24T21:00:00Z'), end: new Date('2026-10-25T22:00:00Z') });
  });

  it('reads Riga’s clock as Intl does, the seconds around each change included', () => {
    const intl = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Riga',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    const fromIntl = (instant: Date) => {
      const parts = Object.fromEntries(
        intl
          .formatToParts(instant)
          .filter((p) => p.type !== 'literal')
          .map((p) => [p.type, Number(p.value)]),
      );
      return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
    };
    // Each second from a minute before to a minute after the changes of 2026, 1996 and 2040.
    for (const change of ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '1996-10-27T01:00:00Z', '2040-03-25T01:00:00Z']) {
      for (let s = -60; s <= 60; s++) {
        const instant = new Date(Date.parse(change) + s * 1000 + 999);
        expect(rigaParts(instant)).toEqual(fromIntl(instant));
      }
    }
    fc.assert(
      fc.property(fc.date({ min: new Date('1991-01-01T00:00:00Z'), max: new Date('2060-12-31T23:59:59Z'), noInvalidDate: true }), (instant) => {
        expect(rigaParts(instant)).toEqual(fromIntl(instant));
      }),
      { numRuns: 2000 },
    );
    expect(() => rigaParts(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('gives the Latvian calendar date, which differs from UTC around midnight', () => {
    expect(rigaDate(new Date('2026-06-30T21:30:00Z'))).toBe('2026-07-01');
    expect(rigaDate(new Date('2026-12-31T21:59:00Z'))).toBe('2026-12-31');
  });
});

describe('the student portal’s 6-month window', () => {
  it('shows results released within the last six months only', () => {
    const release = new Date('2026-07-03T06:00:00Z');
    expect(isInStudentWindow(release, new Date('2026-11-23T12:00:00Z'))).toBe(true);
    // 3 July 09:00 summer time is 06:00 UTC; six months on, 3 January 09:00 winter time is 07:00 UTC.
    expect(isInStudentWindow(release, new Date('2027-01-03T06:30:00Z'))).toBe(true);
    expect(isInStudentWindow(release, new Date('2027-01-03T06:59:59Z'))).toBe(true);
    expect(isInStudentWindow(release, new Date('2027-01-03T07:00:01Z'))).toBe(false);
    expect(isInStudentWindow(release, new Date('2026-07-03T05:59:59Z'))).toBe(false);
  });

  it('clamps to the end of a shorter month (31 August looks back to 28/29 February)', () => {
    // 31 August 13:00 Riga (summer) → 28 February 13:00 Riga (winter, 11:00 UTC).
    expect(studentWindowStart(new Date('2026-08-31T10:00:00Z')).toISOString()).toBe('2026-02-28T11:00:00.000Z');
    expect(studentWindowStart(new Date('2028-08-31T10:00:00Z')).toISOString()).toBe('2028-02-29T11:00:00.000Z');
    expect(studentWindowStart(new Date('2027-01-15T10:00:00Z')).toISOString()).toBe('2026-07-15T09:00:00.000Z');
    // 1 January 00:30 Riga → 1 July 00:30 Riga (summer time), which is still 30 June in UTC.
    expect(studentWindowStart(new Date('2026-12-31T22:30:00Z')).toISOString()).toBe('2026-06-30T21:30:00.000Z');
  });
});

describe('calendar dates', () => {
  it('accepts real dates only', () => {
    expect(isIsoDate('2026-06-17')).toBe(true);
    expect(isIsoDate('2028-02-29')).toBe(true);
    for (const text of ['2026-02-31', '2027-02-29', '2026-13-01', '2026-00-10', '2026-6-17', '17.06.2026', '']) expect(isIsoDate(text)).toBe(false);
  });
});

describe('school year names', () => {
  it('reads and writes both notations', () => {
    expect(schoolYearName(2025)).toBe('2025/2026');
    expect(schoolYearLabel(2023)).toBe('2023./2024.');
    expect(parseSchoolYear('2025/2026')).toBe(2025);
    expect(parseSchoolYear('2023./2024.')).toBe(2023);
    expect(parseSchoolYear('2025/2027')).toBeUndefined();
    expect(parseSchoolYear('2025')).toBeUndefined();
  });
});

describe('the student window computed once a minute', () => {
  it('gives the same start whether the minute was computed before or not, across the clock changes', () => {
    // From 2020 to 2040, any moment: the answer must not depend on what was asked just before.
    const moments = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) });
    fc.assert(
      fc.property(moments, moments, (at, other) => {
        studentWindowStart(new Date(other));
        const afterAnotherMinute = studentWindowStart(new Date(at)).getTime();
        studentWindowStart(new Date(Math.floor(at / 60_000) * 60_000 + 59_999));
        const afterTheSameMinute = studentWindowStart(new Date(at)).getTime();
        expect(afterTheSameMinute).toBe(afterAnotherMinute);
        // Six months back, second for second: the seconds and milliseconds carry over unchanged.
        expect(afterAnotherMinute % 60_000).toBe(at % 60_000);
      }),
      { numRuns: 300 },
    );
  });
});
