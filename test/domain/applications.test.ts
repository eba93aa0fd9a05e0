import { describe, expect, it } from 'vitest';
import {
  candidateCode,
  choiceRefusals,
  defaultWindow,
  diffChoices,
  internationalCertificateRefusal,
  sameDayExams,
  schoolYearAt,
  windowState,
} from '../../src/domain/applications.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';

describe('application windows in Latvian time', () => {
  it('opens at 10:00 on 5 December and takes applications to the end of 15 December 23:59 (winter time, UTC+2)', () => {
    const window = defaultWindow(2026);
    expect(window.opensAt.toISOString()).toBe('2026-12-05T08:00:00.000Z');
    expect(window.closesAt.toISOString()).toBe('2026-12-15T21:59:00.000Z');
    expect(windowState(window, new Date('2026-12-05T07:59:59.999Z'))).toBe('before');
    expect(windowState(window, new Date('2026-12-05T08:00:00.000Z'))).toBe('open');
    expect(windowState(window, new Date('2026-12-15T21:59:59.999Z'))).toBe('open');
    expect(windowState(window, new Date('2026-12-15T22:00:00.000Z'))).toBe('closed');
    expect(windowState(undefined, new Date())).toBe('not-set');
  });

  it('reads a window across the spring clock change in summer time (UTC+3)', () => {
    const window = {
      opensAt: rigaToInstant({ year: 2027, month: 3, day: 27, hour: 10, minute: 0 }),
      closesAt: rigaToInstant({ year: 2027, month: 3, day: 28, hour: 23, minute: 59 }),
    };
    expect(window.opensAt.toISOString()).toBe('2027-03-27T08:00:00.000Z');
    expect(window.closesAt.toISOString()).toBe('2027-03-28T20:59:00.000Z');
    expect(windowState(window, new Date('2027-03-28T20:59:30Z'))).toBe('open');
    expect(windowState(window, new Date('2027-03-28T21:00:00Z'))).toBe('closed');
  });

  it('knows the school year of a moment', () => {
    expect(schoolYearAt(new Date('2026-12-08T10:00:00Z'))).toBe(2026);
    expect(schoolYearAt(new Date('2027-06-01T10:00:00Z'))).toBe(2026);
    expect(schoolYearAt(new Date('2027-07-31T20:59:59Z'))).toBe(2026);
    expect(schoolYearAt(new Date('2027-07-31T21:00:00Z'))).toBe(2027);
  });
});

describe('choices', () => {
  const offered = [
    { code: 'LATOL', level: 'optimal' as const },
    { code: 'LATAL', level: 'higher' as const },
    { code: 'MATOL', level: 'optimal' as const },
    { code: 'MATAL', level: 'higher' as const },
    { code: 'ANGOL', level: 'optimal' as const },
  ];
  it('allows one level per subject of the exams offered', () => {
    expect(choiceRefusals({ offered, chosen: ['LATOL', 'MATAL'], takenElsewhere: [] })).toEqual([]);
    expect(choiceRefusals({ offered, chosen: ['LATOL', 'LATAL'], takenElsewhere: [] })).toEqual([
      { key: 'apply.refused.one-level', params: { exams: 'LATOL, LATAL' } },
    ]);
    expect(choiceRefusals({ offered, chosen: ['FIZAL'], takenElsewhere: [] })).toEqual([{ key: 'apply.refused.not-offered', params: { exam: 'FIZAL' } }]);
    expect(choiceRefusals({ offered, chosen: [], takenElsewhere: [] })).toEqual([{ key: 'apply.refused.none', params: {} }]);
  });
  it('allows each exam once per school year', () => {
    expect(choiceRefusals({ offered, chosen: ['ANGOL'], takenElsewhere: ['ANGAL'] })).toEqual([
      { key: 'apply.refused.once-per-year', params: { exam: 'ANGOL', other: 'ANGAL' } },
    ]);
  });
  it('describes a change subject by subject', () => {
    expect(diffChoices(['LATOL', 'MATOL', 'ANGOL'], ['LATOL', 'MATAL', 'FIZAL'])).toEqual({
      added: ['FIZAL'],
      removed: ['ANGOL'],
      levels: [['MATOL', 'MATAL']],
    });
  });
});

describe('international certificates', () => {
  const optimal = { code: 'ANGOL', level: 'optimal' as const, examDay: '2027-06-05' };
  const higher = { code: 'ANGAL', level: 'higher' as const, examDay: '2027-06-05' };
  it('refuses B1 for the optimal level and accepts B2', () => {
    expect(internationalCertificateRefusal({ cefrLevel: 'B1' }, optimal)).toEqual({
      key: 'apply.certificate.below-optimal',
      params: { level: 'B1', required: 'B2' },
    });
    expect(internationalCertificateRefusal({ cefrLevel: 'B2', validUntil: '2028-01-01' }, optimal)).toBeUndefined();
  });
  it('refuses B2 for the higher level and accepts C1 and C2', () => {
    expect(internationalCertificateRefusal({ cefrLevel: 'B2' }, higher)).toEqual({
      key: 'apply.certificate.below-higher',
      params: { level: 'B2', required: 'C1' },
    });
    expect(internationalCertificateRefusal({ cefrLevel: 'C1' }, higher)).toBeUndefined();
    expect(internationalCertificateRefusal({ cefrLevel: 'C2' }, higher)).toBeUndefined();
  });
  it('refuses a C1 certificate that expires before the exam day, and accepts one valid on that day', () => {
    expect(internationalCertificateRefusal({ cefrLevel: 'C1', validUntil: '2027-06-04' }, higher)).toEqual({
      key: 'apply.certificate.expires',
      params: { until: '2027-06-04', day: '2027-06-05' },
    });
    expect(internationalCertificateRefusal({ cefrLevel: 'C1', validUntil: '2027-06-05' }, higher)).toBeUndefined();
  });
  it('replaces only a foreign-language exam', () => {
    expect(internationalCertificateRefusal({ cefrLevel: 'C2' }, { code: 'MATAL', level: 'higher', examDay: '2027-06-01' })?.key).toBe(
      'apply.certificate.not-language',
    );
  });
});

describe('candidate codes and the statement of entry', () => {
  it('writes 12 digits in the seeds’ shape', () => {
    expect(candidateCode(2026, 17, 42)).toBe('600170000042');
    expect(candidateCode(2026, 17, 42)).toMatch(/^\d{12}$/);
  });
  it('finds the days on which two exams begin', () => {
    expect([...sameDayExams([{ startsOn: '2027-06-01' }, { startsOn: '2027-06-01' }, { startsOn: '2027-06-05' }])]).toEqual(['2027-06-01']);
  });
});
