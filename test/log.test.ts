/**
 * Logs and error output never carry a personal code whole, however it is written. Property tests throw generated
 * spellings at the logger (any separator between the six digits and the five, digits of other scripts, random
 * text around, anywhere in the fields) and read the line back; examples pin down the spellings a security review
 * found getting through, and what must stay readable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/main.js';
import { maskPersonalCode, oldFormCode } from '../src/domain/personal-code.js';
import { createLogger, maskPersonalCodesIn } from '../src/log.js';
import { openTestDatabase } from './support/databases.js';

// The zero of each set of digits the codes are written in: ASCII, full-width, Arabic-Indic, Persian,
// Devanagari, Bengali, Thai, Mongolian, and mathematical bold and double-struck (outside the BMP).
const DIGIT_ZEROS = [0x30, 0xff10, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0x1810, 0x1d7ce, 0x1d7d8];

// Between the two groups: nothing, white space of every kind, line breaks, underscores, hyphens and dashes
// (one, two, Unicode ones, minus signs), dots, slashes, invisible characters, and a "\t" copied out of JSON.
const SEPARATORS = [
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\v',
  '\f',
  '\u0085',
  '\u2028',
  '\u00a0',
  '\u202f',
  '\u2009',
  '\u3000',
  '_',
  '__',
  '-',
  '--',
  '\u2010',
  '\u2011',
  '\u2012',
  '\u2013',
  '\u2014',
  '\u2015',
  '\u2212',
  '\ufe63',
  '\uff0d',
  '\u2e3a',
  '.',
  '/',
  '+',
  ':',
  ',',
  '·',
  '*',
  '#',
  '\u200b',
  '\u00ad',
  '\u2060',
  '\ufeff',
  '\\t',
];

/** Digits of any of the sets above as ASCII, NFKC first; written here again so the test does not trust the code under test. */
function asciiDigits(text: string): string {
  let out = '';
  for (const char of text.normalize('NFKC')) {
    const codePoint = char.codePointAt(0)!;
    const zero = DIGIT_ZEROS.find((z) => codePoint >= z && codePoint < z + 10);
    out += zero === undefined ? char : String(codePoint - zero);
  }
  return out;
}

function write(digits: string, zeros: readonly number[]): string {
  return [...digits].map((d, i) => String.fromCodePoint(zeros[i]! + Number(d))).join('');
}

/** Whether the eleven digits of the code appear in sequence, with at most non-alphanumerics between the groups. */
function holdsCode(text: string, code: string): boolean {
  return new RegExp(`${code.slice(0, 6)}(?:[^\\p{L}\\p{N}]|\\\\[a-z])*${code.slice(6)}`, 'u').test(asciiDigits(text));
}

/** Every key and every string or number of a parsed line. */
function texts(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...texts(v)]);
  return [];
}

const oldForm = fc
  .record({
    year: fc.integer({ min: 1900, max: 2024 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    serial: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ serial, ...birth }) => oldFormCode(birth, serial))
  .filter((code): code is string => code !== undefined);
const newForm = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }).map((d) => `32${d.join('')}`);

const spelling = fc
  .record({
    code: fc.oneof(oldForm, newForm),
    zeros: fc.oneof(
      fc.constantFrom(...DIGIT_ZEROS).map((z) => Array<number>(11).fill(z)),
      fc.array(fc.constantFrom(...DIGIT_ZEROS), { minLength: 11, maxLength: 11 }),
    ),
    separator: fc.array(fc.constantFrom(...SEPARATORS), { maxLength: 3 }).map((parts) => parts.join('')),
  })
  .map(({ code, zeros, separator }) => ({ code, written: write(code.slice(0, 6), zeros.slice(0, 6)) + separator + write(code.slice(6), zeros.slice(6)) }));

const around = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', 'ā', 'Ž', ' ', '\t', '\n', '"', '\\', '-', '/', '=', '0', '7', '١', '５', '\u200b', '\u0301'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

const PLACES = ['msg', 'field', 'nested', 'array', 'key', 'error', 'cause'] as const;

function logOnce(place: (typeof PLACES)[number], text: string): string {
  const lines: string[] = [];
  const log = createLogger('info', (line) => lines.push(line));
  const fields: Record<(typeof PLACES)[number], () => [string, Record<string, unknown>]> = {
    msg: () => [text, {}],
    field: () => ['request', { path: text }],
    nested: () => ['request', { a: { b: [1, { c: text }] } }],
    array: () => ['request', { list: ['x', text, 3] }],
    key: () => ['request', { [text]: true }],
    error: () => ['failed', { error: new Error(text) }],
    cause: () => ['failed', { error: new Error('outer', { cause: new TypeError(text) }) }],
  };
  log.info(...fields[place]());
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('personal codes in logs', () => {
  it('never reach a line whole, however they are written and wherever they stand', () => {
    fc.assert(
      fc.property(spelling, around, around, ({ code, written }, before, after) => {
        for (const place of PLACES) {
          const line = logOnce(place, before + written + after);
          const parsed = JSON.parse(line) as unknown;
          for (const text of [line, ...texts(parsed)]) expect(holdsCode(text, code), `${place}: ${text}`).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leave text without digits exactly as it was', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !/\p{N}/u.test(s)),
        (text) => {
          expect((JSON.parse(logOnce('field', text)) as { path: string }).path).toBe(text);
        },
      ),
    );
  });

  it('are masked in the spellings that got through before', () => {
    const spellings = [
      '161175\t19997',
      '161175_19997',
      '161175--19997',
      '161175\u201019997',
      '161175 \u2013 19997',
      '161175\u00a019997',
      '\uff11\uff16\uff11\uff11\uff17\uff15\uff0d\uff11\uff19\uff19\uff19\uff17',
      '\u0661\u0666\u0661\u0661\u0667\u0665-\u0661\u0669\u0669\u0669\u0667',
      '161175\r\n19997',
      '161175\\t19997',
    ];
    for (const written of spellings) {
      const line = logOnce('field', `code ${written} end`);
      expect(asciiDigits(line), JSON.stringify(written)).not.toContain('19997');
      expect(JSON.parse(line)).toMatchObject({ path: 'code 161175-***** end' });
    }
    const young = logOnce('field', '32579461005');
    expect(JSON.parse(young)).toMatchObject({ path: '3257*******' });
  });

  it('are masked in numbers, errors, causes and keys, and the line stays JSON', () => {
    const lines: string[] = [];
    const log = createLogger('info', (line) => lines.push(line));
    const circular: Record<string, unknown> = { code: '161175-19997' };
    circular.self = circular;
    log.error('failed', {
      number: 16117519997,
      big: 32579461005n,
      error: new Error('no person 161175\t19997', { cause: { personal_code: '３２５７９４６１００５' } }),
      '161175-19997': 'as a key',
      circular,
      when: new Date('2026-07-03T06:00:00Z'),
    });
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(asciiDigits(line)).not.toMatch(/19997|9461005/);
    expect(parsed.number).toBe('161175-*****');
    expect(parsed.big).toBe('3257*******');
    expect(parsed.error).toMatchObject({ name: 'Error', message: 'no person 161175-*****', cause: { personal_code: '3257*******' } });
    expect((parsed.error as { stack: string }).stack).toContain('no person 161175-*****');
    expect(parsed['161175-*****']).toBe('as a key');
    expect(parsed.circular).toEqual({ code: '161175-*****', self: '[circular]' });
    expect(parsed.when).toBe('2026-07-03T06:00:00.000Z');
  });

  it('leave candidate codes, certificate numbers, times and ordinary numbers readable', () => {
    const keep = [
      'candidate 301949081206',
      '2024/301949081206-FRA09',
      '2023/733200000308-LATOL',
      '/certificates/2023/601919002079-KUMAL.edoc',
      '2026-07-03T09:00:00.000Z',
      'rows 100000, bytes 6300000',
      'id 3f2b9c1e-5d7a-4c2b-9a1e-123456789abc',
    ];
    for (const text of keep) {
      expect(maskPersonalCodesIn(text)).toBe(text);
      expect(JSON.parse(logOnce('field', text))).toMatchObject({ path: text });
    }
    // Eleven digits inside a longer run are masked only when they form a valid personal code.
    expect(maskPersonalCodesIn('x 916117519997 y')).toBe('x 9161175-***** y');
    expect(maskPersonalCodesIn('x 916117519998 y')).toBe('x 916117519998 y');
  });

  it('mask a code written any way, or nothing recognisable as a code, whole', () => {
    expect(maskPersonalCode('16117519997')).toBe('161175-*****');
    expect(maskPersonalCode('161175 19997')).toBe('161175-*****');
    expect(maskPersonalCode('\uff13\uff12\uff15\uff17\uff19\uff14\uff16\uff11\uff10\uff10\uff15')).toBe('3257*******');
    expect(maskPersonalCode('1611751999')).toBe('***********');
  });
});

describe('personal codes in the command line’s error output', () => {
  it('are masked in messages and in --json errors', async () => {
    const test = await openTestDatabase('sqlite');
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { stdout: { write: (s: string) => (out.push(s), true) }, stderr: { write: (s: string) => (err.push(s), true) } };
      expect(await runCli(['staff', 'add', '161175_19997', '--name', 'X', '--agency'], test.handle, io)).toBe(2);
      expect(await runCli(['staff', 'remove', '161175\u201019997', '--json'], test.handle, io)).toBe(2);
      const written = out.join('') + err.join('');
      expect(written).toContain('161175-*****');
      expect(asciiDigits(written)).not.toContain('19997');
      expect(() => JSON.parse(out.join(''))).not.toThrow();
    } finally {
      await test.close();
    }
  });
});
