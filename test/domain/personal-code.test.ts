import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n.js';
import { checkDigit, formatPersonalCode, maskPersonalCode, oldFormCode, parsePersonalCode } from '../../src/domain/personal-code.js';

function firstValidCode(year: number, month: number, day: number): string {
  for (let serial = 0; ; serial++) {
    const code = oldFormCode({ year, month, day }, serial);
    if (code) return code;
  }
}

describe('Latvian personal codes', () => {
  it('accepts a valid old-form code with or without its hyphen', () => {
    expect(parsePersonalCode('161175-19997')).toEqual({ ok: true, code: '16117519997', form: 'old', birthDate: '1975-11-16' });
    expect(parsePersonalCode('16117519997')).toEqual({ ok: true, code: '16117519997', form: 'old', birthDate: '1975-11-16' });
    expect(parsePersonalCode(' 161175-19997 ')).toMatchObject({ ok: true });
  });

  it('reads the century digit: 0 = 1800s, 1 = 1900s, 2 = 2000s', () => {
    const born2009 = firstValidCode(2009, 3, 14);
    expect(born2009[6]).toBe('2');
    expect(parsePersonalCode(born2009)).toMatchObject({ ok: true, birthDate: '2009-03-14' });
    const born1899 = firstValidCode(1899, 12, 31);
    expect(born1899[6]).toBe('0');
    expect(parsePersonalCode(born1899)).toMatchObject({ ok: true, birthDate: '1899-12-31' });
  });

  it('accepts the new form "32…" without a date or check digit', () => {
    expect(parsePersonalCode('32579461005')).toEqual({ ok: true, code: '32579461005', form: 'new' });
    expect(parsePersonalCode('325794-61005')).toEqual({ ok: true, code: '32579461005', form: 'new' });
  });

  it('refuses a wrong check digit', () => {
    expect(parsePersonalCode('161175-19998')).toEqual({ ok: false, problem: 'check-digit' });
  });

  it('refuses impossible dates and centuries', () => {
    expect(parsePersonalCode('310299-21231')).toEqual({ ok: false, problem: 'date' }); // 31 February
    expect(parsePersonalCode('290201-20000')).toEqual({ ok: false, problem: 'date' }); // 2001 is not a leap year
    expect(parsePersonalCode('010101-30000')).toEqual({ ok: false, problem: 'date' }); // no century 3
    expect(parsePersonalCode(firstValidCode(2008, 2, 29))).toMatchObject({ ok: true, birthDate: '2008-02-29' });
  });

  it('refuses anything not shaped like a code', () => {
    for (const text of ['', '12345', '161175--19997', '161175-1999', 'abcdef-ghijk', '161175 19997', '1611751999712']) {
      expect(parsePersonalCode(text)).toEqual({ ok: false, problem: 'format' });
    }
  });

  it('every generated old-form code validates, and a changed check digit is always caught', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2025-12-31'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 999 }),
        (date, serial) => {
          const code = oldFormCode({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() }, serial);
          fc.pre(code !== undefined);
          const parsed = parsePersonalCode(code!);
          expect(parsed.ok).toBe(true);
          // Changing the check digit alone always fails.
          const wrong = code!.slice(0, 10) + String((Number(code![10]) + 1) % 10);
          expect(parsePersonalCode(wrong)).toEqual({ ok: false, problem: 'check-digit' });
        },
      ),
    );
  });

  it('has no check digit for a remainder of 10, so such codes do not exist', () => {
    let found = false;
    for (let serial = 0; serial < 1000 && !found; serial++) {
      const firstTen = `010190${'1'}${String(serial).padStart(3, '0')}`;
      if (checkDigit(firstTen) === undefined) found = true;
    }
    expect(found).toBe(true);
  });

  it('has a message in Latvian and English for every kind of refusal', () => {
    for (const problem of ['format', 'date', 'check-digit'] as const) {
      for (const lang of ['lv', 'en'] as const) {
        const text = translator(lang)(`personalCode.${problem}`);
        expect(text).not.toBe(`personalCode.${problem}`);
        expect(text.length).toBeGreaterThan(20);
      }
    }
  });

  it('prints with a hyphen and masks all but the date part', () => {
    expect(formatPersonalCode('16117519997')).toBe('161175-19997');
    expect(formatPersonalCode('32579461005')).toBe('32579461005');
    expect(maskPersonalCode('16117519997')).toBe('161175-*****');
    expect(maskPersonalCode('32579461005')).toBe('3257*******');
  });
});
