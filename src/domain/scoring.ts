/**
 * Exam scoring as the agency prints it: part and total percentages truncated to whole numbers.
 *
 * Points are handled as whole hundredths and weights as exact fractions, so every step is integer
 * arithmetic (BigInt); a float would print 29/100 as 28 %.
 */

export type WeightedPointsRule = 'exact' | 'truncate';

export interface Weight {
  numerator: number;
  denominator: number;
}

export interface PartDefinition {
  /** Maximum raw points of the part, before any weight. */
  maxPoints: number;
  weight: Weight;
}

export interface ScoringDefinition {
  parts: readonly PartDefinition[];
  /**
   * How weighted points enter the total: kept exactly (15 × 1.25 = 18.75) or truncated to whole points
   * (25 × 0.78125 = 19.53 → 19), as the seed's examples decide per exam.
   */
  weightedPointsRule: WeightedPointsRule;
}

export interface ExamScore {
  /** Whole percent per part, truncated. */
  parts: number[];
  /** Whole percent of the exam, truncated. */
  total: number;
}

export type ScoringProblem =
  | { kind: 'part-count'; expected: number; actual: number }
  | { kind: 'missing'; part: number }
  | { kind: 'not-a-number'; part: number; value: string }
  | { kind: 'too-precise'; part: number; value: string }
  | { kind: 'out-of-range'; part: number; value: string; max: number };

export class ScoringError extends Error {
  constructor(readonly problems: ScoringProblem[]) {
    super(problems.map(describeScoringProblem).join('; '));
    this.name = 'ScoringError';
  }
}

/** English description, for logs and developer-facing errors; users get the translated text. */
export function describeScoringProblem(p: ScoringProblem): string {
  switch (p.kind) {
    case 'part-count':
      return `expected points for ${p.expected} parts, got ${p.actual}`;
    case 'missing':
      return `part ${p.part}: points are missing`;
    case 'not-a-number':
      return `part ${p.part}: "${p.value}" is not a number of points`;
    case 'too-precise':
      return `part ${p.part}: "${p.value}" has more than two decimal places`;
    case 'out-of-range':
      return `part ${p.part}: ${p.value} is outside the allowed range 0–${p.max}`;
  }
}

const POINTS_PATTERN = /^(\d{1,6})(?:[.,](\d{1,9}))?$/;

/**
 * Parses points written by a person ("18", "18.5", "18,5") into whole hundredths of a point.
 * Returns a problem instead of guessing when the text is not a plain non-negative number.
 */
export function parsePoints(text: string, part: number): number | ScoringProblem {
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'missing', part };
  const match = POINTS_PATTERN.exec(trimmed);
  if (!match) return { kind: 'not-a-number', part, value: trimmed };
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > 2) return { kind: 'too-precise', part, value: trimmed };
  return Number(match[1]) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Formats hundredths of a point back to the shortest decimal text ("18.5"). */
export function formatPoints(hundredths: number): string {
  const whole = Math.trunc(hundredths / 100);
  const rest = hundredths % 100;
  if (rest === 0) return String(whole);
  return `${whole}.${String(rest).padStart(2, '0').replace(/0$/, '')}`;
}

/** Checks one part's raw points (hundredths) against its maximum. */
export function checkPartPoints(hundredths: number, part: number, definition: PartDefinition): ScoringProblem | undefined {
  if (hundredths < 0 || hundredths > definition.maxPoints * 100) {
    return { kind: 'out-of-range', part, value: formatPoints(hundredths), max: definition.maxPoints };
  }
  return undefined;
}

/** A non-negative fraction with BigInt terms; never reduced, only compared and floored. */
interface Fraction {
  num: bigint;
  den: bigint;
}

function weightedPoints(hundredths: number, weight: Weight, rule: WeightedPointsRule): Fraction {
  const exact: Fraction = {
    num: BigInt(hundredths) * BigInt(weight.numerator),
    den: 100n * BigInt(weight.denominator),
  };
  if (rule === 'truncate' && weight.numerator !== weight.denominator) {
    return { num: exact.num / exact.den, den: 1n };
  }
  return exact;
}

function weightedMaximum(part: PartDefinition): Fraction {
  return {
    num: BigInt(part.maxPoints) * BigInt(part.weight.numerator),
    den: BigInt(part.weight.denominator),
  };
}

function add(a: Fraction, b: Fraction): Fraction {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

/** floor(100 × a / b) for non-negative fractions. */
function truncatedPercent(a: Fraction, b: Fraction): number {
  if (b.num === 0n) return 0;
  return Number((100n * a.num * b.den) / (a.den * b.num));
}

/**
 * Scores one sitting from raw points per part (hundredths). Throws ScoringError naming every bad part.
 */
export function scoreExam(definition: ScoringDefinition, pointsHundredths: readonly number[]): ExamScore {
  const problems = validatePoints(definition, pointsHundredths);
  if (problems.length > 0) throw new ScoringError(problems);

  const partScores: number[] = [];
  let obtained: Fraction = { num: 0n, den: 1n };
  let maximum: Fraction = { num: 0n, den: 1n };
  definition.parts.forEach((part, i) => {
    const got = weightedPoints(pointsHundredths[i]!, part.weight, definition.weightedPointsRule);
    const max = weightedMaximum(part);
    partScores.push(truncatedPercent(got, max));
    obtained = add(obtained, got);
    maximum = add(maximum, max);
  });
  return { parts: partScores, total: truncatedPercent(obtained, maximum) };
}

export function validatePoints(definition: ScoringDefinition, pointsHundredths: readonly number[]): ScoringProblem[] {
  if (pointsHundredths.length !== definition.parts.length) {
    return [{ kind: 'part-count', expected: definition.parts.length, actual: pointsHundredths.length }];
  }
  const problems: ScoringProblem[] = [];
  definition.parts.forEach((part, i) => {
    const problem = checkPartPoints(pointsHundredths[i]!, i + 1, part);
    if (problem) problems.push(problem);
  });
  return problems;
}

/** Parses a list of texts ("28", "21.5") and scores it; every unreadable part is reported at once. */
export function scoreFromText(definition: ScoringDefinition, texts: readonly string[]): ExamScore {
  if (texts.length !== definition.parts.length) {
    throw new ScoringError([{ kind: 'part-count', expected: definition.parts.length, actual: texts.length }]);
  }
  const problems: ScoringProblem[] = [];
  const points = texts.map((text, i) => {
    const parsed = parsePoints(text, i + 1);
    if (typeof parsed === 'number') return parsed;
    problems.push(parsed);
    return 0;
  });
  if (problems.length > 0) throw new ScoringError(problems);
  return scoreExam(definition, points);
}

/** Why a definition cannot be scored fairly: no parts, a part without points, or a weighted maximum that is not whole. */
export type UnsoundReason =
  { kind: 'no-parts' } | { kind: 'zero-maximum'; part: number } | { kind: 'weighted-maximum-not-whole'; part: number; maxPoints: number; weight: Weight };

/**
 * What makes a definition unfair to score, part by part. Truncating weighted points only works where each
 * weighted maximum is itself whole (32 × 0.78125 = 25); otherwise full marks could not reach 100 %.
 */
export function unsoundReasons(definition: ScoringDefinition): UnsoundReason[] {
  if (definition.parts.length === 0) return [{ kind: 'no-parts' }];
  const reasons: UnsoundReason[] = [];
  definition.parts.forEach((p, i) => {
    if (p.maxPoints <= 0) reasons.push({ kind: 'zero-maximum', part: i + 1 });
    else if (definition.weightedPointsRule === 'truncate' && (p.maxPoints * p.weight.numerator) % p.weight.denominator !== 0) {
      reasons.push({ kind: 'weighted-maximum-not-whole', part: i + 1, maxPoints: p.maxPoints, weight: p.weight });
    }
  });
  return reasons;
}

/** Whether a definition can be scored fairly (see unsoundReasons). */
export function isSoundDefinition(definition: ScoringDefinition): boolean {
  return unsoundReasons(definition).length === 0;
}

/** Parses a decimal weight such as "0.78125" into an exact fraction (78125/100000). */
export function parseWeight(text: string): Weight {
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) throw new Error(`not a decimal weight: ${text}`);
  const fraction = match[2] ?? '';
  const denominator = 10 ** fraction.length;
  const numerator = Number(match[1]) * denominator + Number(fraction || '0');
  if (numerator === 0) throw new Error(`a weight must be positive: ${text}`);
  const divisor = gcd(numerator, denominator);
  return { numerator: numerator / divisor, denominator: denominator / divisor };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
