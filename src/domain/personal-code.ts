/**
 * Latvian personal codes (personas kods).
 * Old form DDMMYY-CNNNK: birth date, century digit C (0 = 1800s, 1 = 1900s, 2 = 2000s) and a check digit.
 * New form since 2017: "32" followed by nine digits, with no date and no check digit.
 */

export type PersonalCodeProblem = 'format' | 'date' | 'check-digit';

export type PersonalCodeResult =
  | { ok: true; code: string; form: 'old' | 'new'; birthDate?: string }
  | { ok: false; problem: PersonalCodeProblem };

const CHECK_WEIGHTS = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** The check digit of an old-form code's first ten digits, or undefined where none can exist. */
export function checkDigit(firstTen: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += Number(firstTen[i]) * CHECK_WEIGHTS[i]!;
  const digit = (1101 - sum) % 11;
  return digit === 10 ? undefined : (digit + 11) % 11;
}

/** Accepts "DDMMYY-NNNNN" or 11 digits; the normalised code is the 11 digits without the hyphen. */
export function parsePersonalCode(input: string): PersonalCodeResult {
  const match = /^(\d{6})-?(\d{5})$/.exec(input.trim());
  if (!match) return { ok: false, problem: 'format' };
  const code = match[1]! + match[2]!;
  if (code.startsWith('32')) return { ok: true, code, form: 'new' };

  const day = Number(code.slice(0, 2));
  const month = Number(code.slice(2, 4));
  const century = Number(code[6]);
  if (century > 2) return { ok: false, problem: 'date' };
  const year = 1800 + century * 100 + Number(code.slice(4, 6));
  if (!isCalendarDate(year, month, day)) return { ok: false, problem: 'date' };
  if (checkDigit(code) !== Number(code[10])) return { ok: false, problem: 'check-digit' };
  const birthDate = `${year}-${pad2(month)}-${pad2(day)}`;
  return { ok: true, code, form: 'old', birthDate };
}

/** Writes an old-form code with its hyphen, as Latvian documents print it; a new-form code stays as it is. */
export function formatPersonalCode(code: string): string {
  return code.startsWith('32') ? code : `${code.slice(0, 6)}-${code.slice(6)}`;
}

/** Shows only the first six characters, for screens and logs: "010203-*****". */
export function maskPersonalCode(code: string): string {
  return code.startsWith('32') ? `${code.slice(0, 4)}*******` : `${code.slice(0, 6)}-*****`;
}

/**
 * Builds a valid old-form code for a birth date and a serial number (used by demo data and tests).
 * Returns undefined when that serial has no valid check digit.
 */
export function oldFormCode(birthDate: { year: number; month: number; day: number }, serial: number): string | undefined {
  const century = Math.floor(birthDate.year / 100) - 18;
  const firstTen =
    pad2(birthDate.day) + pad2(birthDate.month) + pad2(birthDate.year % 100) + String(century) + String(serial).padStart(3, '0');
  const digit = checkDigit(firstTen);
  return digit === undefined ? undefined : firstTen + String(digit);
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
