/**
 * Reading an exam's part definition as staff type it, on the command line (`parts --max 40,20 --weights 1,0.5`)
 * or in the agency's form (one row per part): whole maxima, positive decimal weights, optional names. Every
 * problem is reported with the part and the field it belongs to.
 */
import type { CataloguePart } from './catalogue.js';

export const MAX_PARTS = 20;

export interface PartInputRow {
  maxPoints: string;
  /** Empty means 1. */
  weight: string;
  nameLv?: string;
  nameEn?: string;
}

export interface PartInputProblem {
  /** 1-based part number; absent for the whole list. */
  part?: number;
  field?: 'maxPoints' | 'weight';
  /** Message key under `agencyExams.partProblem.`. */
  key: 'count' | 'maxPoints' | 'weight';
}

const WHOLE = /^\d{1,4}$/;
const DECIMAL = /^\d{1,6}(\.\d{1,9})?$/;

export function parsePartInput(rows: readonly PartInputRow[]): { parts: CataloguePart[]; problems: PartInputProblem[] } {
  const problems: PartInputProblem[] = [];
  if (rows.length === 0 || rows.length > MAX_PARTS) problems.push({ key: 'count' });
  const parts = rows.map((row, i): CataloguePart => {
    const max = row.maxPoints.trim();
    const weight = row.weight.trim() === '' ? '1' : row.weight.trim().replace(',', '.');
    if (!WHOLE.test(max) || Number(max) === 0) problems.push({ part: i + 1, field: 'maxPoints', key: 'maxPoints' });
    if (!DECIMAL.test(weight) || Number(weight) === 0) problems.push({ part: i + 1, field: 'weight', key: 'weight' });
    const nameLv = row.nameLv?.trim();
    const nameEn = row.nameEn?.trim();
    return { maxPoints: Number(max), weight, ...(nameLv ? { nameLv } : {}), ...(nameEn ? { nameEn } : {}) };
  });
  return { parts, problems };
}

/** An exact fraction as the decimal text parseWeight reads (weights are stored from such decimals). */
export function weightText(numerator: number, denominator: number): string {
  let scale = 1;
  let digits = 0;
  while ((numerator * scale) % denominator !== 0 && digits < 9) {
    scale *= 10;
    digits++;
  }
  const scaled = Math.round((numerator * scale) / denominator);
  if (digits === 0) return String(scaled);
  const text = String(scaled).padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`.replace(/\.?0+$/, '');
}
