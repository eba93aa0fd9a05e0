/**
 * Latvian personal codes (personas kods).
 * Old form DDMMYY-CNNNK: birth date, century digit C (0 = 1800s, 1 = 1900s, 2 = 2000s) and a check digit.
 * New form since 2017: "32" followed by nine digits, with no date and no check digit.
 */

export type PersonalCodeProblem = 'format' | 'date' | 'check-digit';

export type PersonalCodeResult = { ok: true; code: string; form: 'old' | 'new'; birthDate?: string } | { ok: false; problem: PersonalCodeProblem };

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

/**
 * Shows only the first six digits of an old-form code ("010203-*****") and the first four of a new-form one
 * ("3257*******"), for screens and logs. The code may be written any way (hyphens, spaces, other digit scripts);
 * anything that does not hold exactly eleven digits is hidden whole.
 */
export function maskPersonalCode(code: string): string {
  const digits = searchableText(code).text.replace(/\D/g, '');
  if (digits.length !== 11) return '*'.repeat(11);
  return digits.startsWith('32') ? `${digits.slice(0, 4)}*******` : `${digits.slice(0, 6)}-*****`;
}

/**
 * Builds a valid old-form code for a birth date and a serial number (used by demo data and tests).
 * Returns undefined when that serial has no valid check digit.
 */
export function oldFormCode(birthDate: { year: number; month: number; day: number }, serial: number): string | undefined {
  const century = Math.floor(birthDate.year / 100) - 18;
  const firstTen = pad2(birthDate.day) + pad2(birthDate.month) + pad2(birthDate.year % 100) + String(century) + String(serial).padStart(3, '0');
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

// ---- Personal codes inside free text (logs, error output) ----

// Dashes that are not Unicode dash punctuation (\p{Pd}): minus signs, the hyphen bullet, and the katakana
// prolonged sound mark (a letter to Unicode) that some keyboards give for "-".
const DASH_LIKE = /[\p{Pd}\u2212\u2043\u02D7\u2796\u30FC]/u;
// Format characters (zero-width spaces and joiners, the soft hyphen, direction marks) and combining marks change
// nothing of the digits a reader sees, so they are dropped before digits are looked for.
const INVISIBLE = /[\p{Cf}\p{M}]/u;
const DECIMAL_DIGIT = /\p{Nd}/u;
const ASCII_ONLY = /^[\x00-\x7F]*$/;

const digitValues = new Map<number, string>();

/** The ASCII digit of any Unicode decimal digit (Arabic-Indic, Devanagari, full-width, mathematical, …). */
function asciiDigit(codePoint: number): string {
  let value = digitValues.get(codePoint);
  if (value === undefined) {
    // Unicode encodes every set of decimal digits as ten consecutive code points, zero first.
    let zero = codePoint;
    while (DECIMAL_DIGIT.test(String.fromCodePoint(zero - 1))) zero--;
    value = String((codePoint - zero) % 10);
    digitValues.set(codePoint, value);
  }
  return value;
}

interface SearchableText {
  /** NFKC, every decimal digit as ASCII, every dash as "-", invisible characters dropped. */
  text: string;
  /** For each UTF-16 unit of `text`, the range of the original it came from; absent when they are the same. */
  from?: number[];
  to?: number[];
}

/** The text as a reader would read its digits, with a way back to the original's positions. */
function searchableText(original: string): SearchableText {
  if (ASCII_ONLY.test(original)) return { text: original };
  let text = '';
  const from: number[] = [];
  const to: number[] = [];
  let at = 0;
  for (const char of original) {
    const end = at + char.length;
    for (const part of char.normalize('NFKC')) {
      const mapped = DECIMAL_DIGIT.test(part) ? asciiDigit(part.codePointAt(0)!) : DASH_LIKE.test(part) ? '-' : INVISIBLE.test(part) ? '' : part;
      for (let i = 0; i < mapped.length; i++) {
        from.push(at);
        to.push(end);
      }
      text += mapped;
    }
    at = end;
  }
  return { text, from, to };
}

// What may stand between the six digits and the five: any run of characters that are neither letters nor digits
// (spaces, tabs, line breaks, underscores, dashes, dots, no-break spaces, …), and escapes as JSON and program
// text write them ("\t", "\u2010"). At most six of them: a dash with a space and a line break either side.
const SEPARATOR = String.raw`(?:\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|\\[bfnrtv]|[^\p{L}\p{N}])`;
const MAX_SEPARATORS = 6;
// Tried at every position where six digits start (sticky), so one candidate cannot hide another that starts a
// digit later.
const CODE_AT = new RegExp(String.raw`(\d{6})${SEPARATOR}{0,${MAX_SEPARATORS}}(\d{5})`, 'uy');
const SIX_DIGITS = /\d{6,}/g;

/**
 * A quick first look: false when the text certainly holds nothing shaped like a personal code (ASCII with no
 * run of six digits, or fewer than eleven digits in all). Anything beyond ASCII gets the full look.
 */
export function mayHoldPersonalCode(text: string): boolean {
  let digits = 0;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      run++;
      if (run > longestRun) longestRun = run;
    } else if (c > 127) {
      return true;
    } else {
      run = 0;
    }
  }
  return digits >= 11 && longestRun >= 6;
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

/**
 * Masks everything in a text shaped like a personal code, however it was typed: six digits and five, in any
 * digit script, with or without a separator between them (see SEPARATOR). Eleven such digits standing alone
 * are always masked. Inside a longer run of digits (a 12-digit candidate code, a certificate number) eleven of
 * them are masked only when they form a valid code (a real date and check digit, or the "32…" form), so that
 * candidate codes stay readable unless they could hide a real personal code. The rest of the text is returned
 * exactly as it was.
 */
export function maskPersonalCodesInText(original: string): string {
  if (!mayHoldPersonalCode(original)) return original;
  const { text, from, to } = searchableText(original);
  const found: { start: number; end: number; code: string }[] = [];
  let maskedUntil = 0;
  for (const run of text.matchAll(SIX_DIGITS)) {
    for (let start = run.index; start <= run.index + run[0].length - 6; start++) {
      if (start < maskedUntil) continue;
      CODE_AT.lastIndex = start;
      const match = CODE_AT.exec(text);
      if (!match) continue;
      const end = start + match[0].length;
      const code = match[1]! + match[2]!;
      const alone = !isDigit(text[start - 1]) && !isDigit(text[end]);
      if (alone || parsePersonalCode(code).ok) {
        found.push({ start, end, code });
        maskedUntil = end;
      }
    }
  }
  if (found.length === 0) return original;
  let masked = '';
  let copied = 0;
  for (const { start, end, code } of found) {
    const first = Math.max(copied, from ? from[start]! : start);
    masked += original.slice(copied, first) + maskPersonalCode(code);
    copied = Math.max(first, to ? to[end - 1]! : end);
  }
  return masked + original.slice(copied);
}
