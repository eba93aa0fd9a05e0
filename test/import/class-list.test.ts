/**
 * The class list a school uploads to register its 9th graders: all rows or none, every problem named by row and
 * column; Latvian headings and words work as the English ones do; and the exemption deadline (1 March).
 */
import { describe, expect, it } from 'vitest';
import { validateClassList } from '../../src/import/class-list.js';
import { ImportRefused, readTable } from '../../src/import/score-file.js';
import { exemptionDeadline, exemptionsOpen, supportMeasureProblem } from '../../src/domain/school-applications.js';
import { validPersonalCode } from '../support/register.js';

const LANGUAGES = [
  { examCode: 'ANG09', names: ['angļu valoda', 'English'] },
  { examCode: 'VAC09', names: ['vācu valoda', 'German'] },
];
const csv = (text: string) => new TextEncoder().encode(text);

describe('class list', () => {
  const [a, b] = [validPersonalCode(951_001), validPersonalCode(951_002)];

  it('reads every row of a good file, with Latvian headings and words', async () => {
    const table = await readTable(
      csv(
        `Personas kods;Vārds;Uzvārds;Klase;Svešvaloda;Pamats;Iesnieguma datums\n${a};Anna;Ābola;9.a;angļu valoda;skolēns;07.12.2026\n${b};Jānis;Ozols;9.b;VAC09;likumiskais pārstāvis;2026-12-08\n`,
      ),
      'klase.csv',
    );
    expect(validateClassList(table, LANGUAGES, '2026-12-10')).toEqual([
      {
        row: 2,
        personalCode: a,
        firstName: 'Anna',
        lastName: 'Ābola',
        className: '9.a',
        foreignLanguageExam: 'ANG09',
        basis: 'student',
        basisDate: '2026-12-07',
      },
      {
        row: 3,
        personalCode: b,
        firstName: 'Jānis',
        lastName: 'Ozols',
        className: '9.b',
        foreignLanguageExam: 'VAC09',
        basis: 'representative',
        basisDate: '2026-12-08',
      },
    ]);
  });

  it('refuses the whole file for one bad row, naming the row and column', async () => {
    const table = await readTable(
      csv(
        `personal_code,first_name,last_name,class,foreign_language,basis,application_date\n${a},Anna,Ābola,9.a,English,student,2026-12-07\n${b},Jānis,Ozols,9.b,Spanish,official,2026-12-31\n`,
      ),
      'class.csv',
    );
    try {
      validateClassList(table, LANGUAGES, '2026-12-10');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImportRefused);
      expect((error as ImportRefused).problems).toEqual([
        { row: 3, column: 'foreign_language', key: 'applySchool.classList.row.language', params: { value: 'Spanish', allowed: 'ANG09, VAC09' } },
        { row: 3, column: 'application_date', key: 'applySchool.classList.row.date-future', params: { value: '2026-12-31' } },
      ]);
    }
  });

  it('names a duplicate person, a bad personal code and missing columns', async () => {
    const duplicate = await readTable(
      csv(
        `personal_code,first_name,last_name,foreign_language,basis,application_date\n${a},A,B,ANG,student,2026-12-01\n${a},A,B,ANG,student,2026-12-01\n123,A,B,ANG,amatpersona,2026-12-01\n`,
      ),
      'c.csv',
    );
    expect(() => validateClassList(duplicate, LANGUAGES, '2026-12-10')).toThrow(ImportRefused);
    try {
      validateClassList(duplicate, LANGUAGES, '2026-12-10');
    } catch (error) {
      expect((error as ImportRefused).problems.map((p) => [p.row, p.key])).toEqual([
        [3, 'applySchool.classList.row.duplicate'],
        [4, 'applySchool.classList.row.personal-code'],
      ]);
    }
    const missing = await readTable(csv(`personal_code,first_name\n${a},A\n`), 'c.csv');
    expect(() => validateClassList(missing, LANGUAGES, '2026-12-10')).toThrow(/import refused/);
  });
});

describe('exemptions and support measures', () => {
  it('takes exemptions until the end of 1 March in Latvian time, not 15 December', () => {
    expect(exemptionDeadline(2026).toISOString()).toBe('2027-03-01T21:59:59.999Z');
    expect(exemptionsOpen(2026, new Date('2027-01-10T10:00:00Z'))).toBe(true);
    expect(exemptionsOpen(2026, new Date('2027-03-01T21:59:00Z'))).toBe(true);
    expect(exemptionsOpen(2026, new Date('2027-03-01T22:00:00Z'))).toBe(false);
  });

  it('refuses two rates of extra time, and another measure without a note', () => {
    expect(supportMeasureProblem(['extra-time-30', 'extra-time-50'], '')).toBe('applySchool.support.problem.both-extra-times');
    expect(supportMeasureProblem(['other'], ' ')).toBe('applySchool.support.problem.other-needs-note');
    expect(supportMeasureProblem(['extra-time-50', 'separate-room'], '')).toBeUndefined();
  });
});
