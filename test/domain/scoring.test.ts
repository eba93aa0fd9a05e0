import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, catalogueExam } from '../../src/domain/catalogue.js';
import { isSoundDefinition, parsePoints, parseWeight, scoreExam, scoreFromText, ScoringError, type ScoringDefinition } from '../../src/domain/scoring.js';

function definitionOf(code: string): ScoringDefinition {
  const exam = catalogueExam(code);
  if (!exam) throw new Error(`no exam ${code}`);
  return {
    weightedPointsRule: exam.weightedPointsRule,
    parts: exam.parts.map((p) => ({ maxPoints: p.maxPoints, weight: parseWeight(p.weight) })),
  };
}

// Every worked example of seed 001 ("how the result is computed"): raw points in, printed percents out.
const SEED_EXAMPLES: { codes: string[]; points: string[]; parts: number[]; total: number }[] = [
  { codes: ['LAT09'], points: ['28', '21', '19'], parts: [56, 70, 95], total: 68 },
  { codes: ['MAT09'], points: ['28', '16'], parts: [46, 80], total: 55 },
  { codes: ['ANG09', 'VAC09', 'FRA09'], points: ['12', '10', '14', '20'], parts: [60, 50, 70, 80], total: 65 },
  { codes: ['LATOL'], points: ['28', '21', '19'], parts: [82, 45, 95], total: 68 },
  { codes: ['MATOL'], points: ['56', '21'], parts: [74, 84], total: 77 },
  { codes: ['ANGOL', 'VACOL', 'FRAOL'], points: ['22', '21', '25', '21'], parts: [88, 84, 76, 84], total: 83 },
  { codes: ['LATAL'], points: ['9', '34'], parts: [45, 56], total: 53 },
  { codes: ['MATAL'], points: ['45', '21', '25', '21'], parts: [60, 84, 71, 84], total: 70 },
  { codes: ['ANGAL', 'VACAL', 'FRAAL', 'KRIAL'], points: ['22', '21', '15', '21'], parts: [88, 84, 75, 84], total: 82 },
  { codes: ['KIMAL', 'BIOAL'], points: ['22', '41', '13'], parts: [88, 82, 86], total: 84 },
  { codes: ['FIZAL', 'GEOAL'], points: ['22', '41', '13'], parts: [88, 82, 52], total: 76 },
  { codes: ['VESAL'], points: ['22', '17', '16', '21'], parts: [78, 85, 64, 87], total: 78 },
  { codes: ['SOCAL'], points: ['48', '41'], parts: [82, 85], total: 83 },
  { codes: ['KUMAL'], points: ['48', '29'], parts: [88, 87], total: 88 },
  { codes: ['DITAL'], points: ['22', '41', '41'], parts: [78, 93, 85], total: 86 },
  { codes: ['PROAL'], points: ['9', '16', '33', '25'], parts: [45, 80, 86, 89], total: 79 },
];

describe('the seed’s worked examples', () => {
  for (const example of SEED_EXAMPLES) {
    for (const code of example.codes) {
      it(`${code} ${example.points.join('+')} prints ${example.parts.join('/')} and ${example.total} %`, () => {
        expect(scoreFromText(definitionOf(code), example.points)).toEqual({ parts: example.parts, total: example.total });
      });
    }
  }

  it('keeps the two weighted-points rules apart: optimal truncates to 19 points, higher keeps 18.75', () => {
    // Same raw share (25 of 32 ≈ 78 %) would print 78 % if the optimal level did not truncate.
    expect(scoreFromText(definitionOf('ANGOL'), ['0', '0', '25', '0']).parts[2]).toBe(76);
    // 15 of 20 × 1.25 = 18.75 of 25 = 75 % exactly; the total keeps the 0.75 point: 82.75 → 82.
    expect(scoreFromText(definitionOf('ANGAL'), ['22', '21', '15', '21']).total).toBe(82);
    expect(scoreFromText(definitionOf('ANGAL'), ['22', '21', '16', '21']).total).toBe(84);
  });
});

describe('the catalogue matches the seed’s scoring table', () => {
  const TOTALS: Record<string, number> = {
    LAT09: 100,
    MAT09: 80,
    ANG09: 80,
    LATOL: 100,
    MATOL: 100,
    ANGOL: 100,
    LATAL: 80,
    MATAL: 160,
    ANGAL: 100,
    KIMAL: 90,
    BIOAL: 90,
    FIZAL: 100,
    GEOAL: 100,
    VESAL: 97,
    SOCAL: 106,
    KUMAL: 87,
    DITAL: 120,
    PROAL: 120,
  };
  for (const [code, total] of Object.entries(TOTALS)) {
    it(`${code} totals ${total} weighted points`, () => {
      const sum = definitionOf(code).parts.reduce((s, p) => s + (p.maxPoints * p.weight.numerator) / p.weight.denominator, 0);
      expect(sum).toBe(total);
    });
  }
  it('has unique codes of the seed’s shape and keeps MATVL without parts until staff define them', () => {
    const codes = CATALOGUE.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    codes.forEach((c) => expect(c).toMatch(/^[A-Z]{3}(09|VL|OL|AL)$/));
    expect(catalogueExam('MATVL')!.parts).toEqual([]);
  });
});

describe('exact arithmetic', () => {
  it('prints 29 of 100 as 29 %, where floating point would print 28 %', () => {
    expect(Math.floor((29 / 100) * 100)).toBe(28);
    expect(scoreExam({ weightedPointsRule: 'exact', parts: [{ maxPoints: 100, weight: { numerator: 1, denominator: 1 } }] }, [2900]).total).toBe(29);
  });

  it('truncates and never rounds: 43 of 80 is 53.75 % and prints 53', () => {
    expect(scoreFromText(definitionOf('LATAL'), ['9', '34']).total).toBe(53);
  });

  const arbitraryExam = fc
    .array(
      fc.record({
        maxPoints: fc.integer({ min: 1, max: 200 }),
        weight: fc.constantFrom('1', '0.8', '0.78125', '1.25', '1.5', '0.5', '2'),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .chain((parts) =>
      fc.record({
        rule: fc.constantFrom<'exact' | 'truncate'>('exact', 'truncate'),
        parts: fc.constant(parts),
        points: fc.tuple(...parts.map((p) => fc.integer({ min: 0, max: p.maxPoints * 100 }))),
      }),
    );

  it('agrees with the defining inequality p ≤ 100·got/max < p + 1 for random point sets', () => {
    fc.assert(
      fc.property(arbitraryExam, ({ rule, parts, points }) => {
        const weights = parts.map((p) => parseWeight(p.weight));
        const definition: ScoringDefinition = {
          weightedPointsRule: rule,
          parts: parts.map((p, i) => ({ maxPoints: p.maxPoints, weight: weights[i]! })),
        };
        const score = scoreExam(definition, points);
        // Reference in plain BigInt with one common denominator D for every weight.
        const D = 100n * weights.reduce((d, w) => d * BigInt(w.denominator), 1n);
        const got = points.map((h, i) => {
          const w = weights[i]!;
          const exact = (BigInt(h) * BigInt(w.numerator) * D) / (100n * BigInt(w.denominator));
          const isWeighted = w.numerator !== w.denominator;
          return rule === 'truncate' && isWeighted ? (exact / D) * D : exact;
        });
        const max = parts.map((p, i) => (BigInt(p.maxPoints) * BigInt(weights[i]!.numerator) * D) / BigInt(weights[i]!.denominator));
        const within = (percent: number, g: bigint, m: bigint) => BigInt(percent) * m <= 100n * g && 100n * g < BigInt(percent + 1) * m;
        score.parts.forEach((percent, i) => expect(within(percent, got[i]!, max[i]!)).toBe(true));
        const sumGot = got.reduce((a, b) => a + b, 0n);
        const sumMax = max.reduce((a, b) => a + b, 0n);
        expect(within(score.total, sumGot, sumMax)).toBe(true);
        expect(score.total).toBeGreaterThanOrEqual(0);
        expect(score.total).toBeLessThanOrEqual(100);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to truncate where a weighted maximum is not whole (1 × 1.25 could never reach 100 %)', () => {
    const one = (rule: 'exact' | 'truncate') => ({ weightedPointsRule: rule, parts: [{ maxPoints: 1, weight: parseWeight('1.25') }] });
    expect(isSoundDefinition(one('truncate'))).toBe(false);
    expect(isSoundDefinition(one('exact'))).toBe(true);
    for (const exam of CATALOGUE.filter((e) => e.parts.length > 0)) expect(isSoundDefinition(definitionOf(exam.code))).toBe(true);
  });

  it('gives 100 % for full marks and 0 % for nothing, whatever the weights', () => {
    fc.assert(
      fc.property(arbitraryExam, ({ rule, parts }) => {
        const definition: ScoringDefinition = {
          weightedPointsRule: rule,
          parts: parts.map((p) => ({ maxPoints: p.maxPoints, weight: parseWeight(p.weight) })),
        };
        fc.pre(isSoundDefinition(definition));
        expect(
          scoreExam(
            definition,
            parts.map((p) => p.maxPoints * 100),
          ).parts.every((x) => x === 100),
        ).toBe(true);
        expect(
          scoreExam(
            definition,
            parts.map(() => 0),
          ).total,
        ).toBe(0);
      }),
    );
  });
});

describe('refused input names the part and the allowed range', () => {
  const lat09 = definitionOf('LAT09');
  const problems = (texts: string[]) => {
    try {
      scoreFromText(lat09, texts);
    } catch (error) {
      expect(error).toBeInstanceOf(ScoringError);
      return (error as ScoringError).problems;
    }
    throw new Error('expected a refusal');
  };

  it('points over the maximum', () => {
    expect(problems(['28', '31', '19'])).toEqual([{ kind: 'out-of-range', part: 2, value: '31', max: 30 }]);
    expect(() => scoreFromText(lat09, ['28', '31', '19'])).toThrow('part 2: 31 is outside the allowed range 0–30');
  });
  it('a wrong number of parts', () => {
    expect(problems(['28', '21'])).toEqual([{ kind: 'part-count', expected: 3, actual: 2 }]);
  });
  it('missing, non-numeric, negative and too precise points, all reported together', () => {
    expect(problems(['', 'abc', '-1'])).toEqual([
      { kind: 'missing', part: 1 },
      { kind: 'not-a-number', part: 2, value: 'abc' },
      { kind: 'not-a-number', part: 3, value: '-1' },
    ]);
    expect(problems(['1.255', '1', '1'])).toEqual([{ kind: 'too-precise', part: 1, value: '1.255' }]);
  });
  it('reads points with a decimal point or comma into hundredths', () => {
    expect(parsePoints('18,5', 1)).toBe(1850);
    expect(parsePoints(' 7.25 ', 1)).toBe(725);
    expect(parsePoints('3.50', 1)).toBe(350);
  });
});
