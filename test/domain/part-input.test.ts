import { describe, expect, it } from 'vitest';
import { parsePartInput, weightText } from '../../src/domain/part-input.js';
import { parseRigaDateTime, rigaDateTimeInput } from '../../src/domain/riga-time.js';
import { parseWeight, unsoundReasons } from '../../src/domain/scoring.js';

describe('part definitions as staff type them', () => {
  it('reads maxima, weights (1 when empty, a decimal comma allowed) and names', () => {
    expect(
      parsePartInput([
        { maxPoints: '40', weight: '' },
        { maxPoints: ' 32 ', weight: '0,78125', nameLv: 'Rakstīšana', nameEn: ' ' },
      ]),
    ).toEqual({
      parts: [
        { maxPoints: 40, weight: '1' },
        { maxPoints: 32, weight: '0.78125', nameLv: 'Rakstīšana' },
      ],
      problems: [],
    });
  });

  it('names each bad field with its part, and a list of no parts', () => {
    expect(
      parsePartInput([
        { maxPoints: '0', weight: '1' },
        { maxPoints: '12', weight: '-1' },
        { maxPoints: 'x', weight: '0' },
      ]).problems,
    ).toEqual([
      { part: 1, field: 'maxPoints', key: 'maxPoints' },
      { part: 2, field: 'weight', key: 'weight' },
      { part: 3, field: 'maxPoints', key: 'maxPoints' },
      { part: 3, field: 'weight', key: 'weight' },
    ]);
    expect(parsePartInput([]).problems).toEqual([{ key: 'count' }]);
  });

  it('writes a stored weight back as the decimal it was read from', () => {
    for (const text of ['1', '0.78125', '1.25', '0.5', '2', '0.000000001']) {
      const weight = parseWeight(text);
      expect(weightText(weight.numerator, weight.denominator)).toBe(text);
    }
  });

  it('gives the reason a definition is unsound, part by part', () => {
    const truncate = (parts: [number, string][]) => ({
      weightedPointsRule: 'truncate' as const,
      parts: parts.map(([maxPoints, w]) => ({ maxPoints, weight: parseWeight(w) })),
    });
    expect(unsoundReasons(truncate([[32, '0.78125']]))).toEqual([]);
    expect(
      unsoundReasons(
        truncate([
          [20, '1'],
          [25, '0.7'],
        ]),
      ),
    ).toEqual([{ kind: 'weighted-maximum-not-whole', part: 2, maxPoints: 25, weight: { numerator: 7, denominator: 10 } }]);
    expect(unsoundReasons({ weightedPointsRule: 'exact', parts: [{ maxPoints: 25, weight: parseWeight('0.7') }] })).toEqual([]);
    expect(unsoundReasons({ weightedPointsRule: 'exact', parts: [] })).toEqual([{ kind: 'no-parts' }]);
  });
});

describe('Latvian date and time as typed', () => {
  it('reads both forms in Latvian time, summer and winter, and refuses days that do not exist', () => {
    expect(parseRigaDateTime('2027-06-26 09:00')?.toISOString()).toBe('2027-06-26T06:00:00.000Z');
    expect(parseRigaDateTime('2027-01-15T09:00')?.toISOString()).toBe('2027-01-15T07:00:00.000Z');
    for (const bad of ['2027-02-30 09:00', '2027-06-26 24:00', '2027-13-01 09:00', 'tomorrow', '26.06.2027 09:00'])
      expect(parseRigaDateTime(bad), bad).toBeUndefined();
    expect(rigaDateTimeInput(new Date('2027-06-26T06:00:00.000Z'))).toBe('2027-06-26T09:00');
  });
});
