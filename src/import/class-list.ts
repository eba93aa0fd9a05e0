/**
 * Reading a school's class list (CSV or XLSX): the 9th graders it registers for the basic exams, one row each,
 * with the foreign language they chose and the application the registration rests on. Read with the score
 * files' reader (limits, encodings, formulas refused) and checked the same way: every row or none, each problem
 * with its row and column. Nothing here touches the database; the caller saves the rows in one transaction.
 */
import type { ApplicationBasis } from '../domain/school-applications.js';
import { parsePersonalCode } from '../domain/personal-code.js';
import { isIsoDate } from '../domain/riga-time.js';
import { ImportRefused, normaliseHeading, type ImportProblem, type RawTable } from './score-file.js';

/** A foreign-language exam a 9th grader may choose, with the words a class list may name it by. */
export interface ForeignLanguageChoice {
  examCode: string;
  /** Subject names (Latvian, English) as the catalogue has them: "angļu valoda", "English". */
  names: readonly string[];
}

export interface ClassListRow {
  row: number;
  personalCode: string;
  firstName: string;
  lastName: string;
  className: string | null;
  foreignLanguageExam: string;
  basis: ApplicationBasis;
  /** YYYY-MM-DD: the date of the application the registration rests on. */
  basisDate: string;
}

type Column = 'personalCode' | 'firstName' | 'lastName' | 'className' | 'foreignLanguage' | 'basis' | 'basisDate';

const HEADINGS: Record<Column, readonly string[]> = {
  personalCode: ['personal code', 'personas kods'],
  firstName: ['first name', 'vards'],
  lastName: ['last name', 'uzvards'],
  className: ['class', 'klase'],
  foreignLanguage: ['foreign language', 'svesvaloda'],
  basis: ['basis', 'pamats', 'iesniedzejs'],
  basisDate: ['application date', 'iesnieguma datums', 'datums'],
};
const REQUIRED: readonly Column[] = ['personalCode', 'firstName', 'lastName', 'foreignLanguage', 'basis', 'basisDate'];

const BASIS_WORDS: Record<string, ApplicationBasis> = {
  student: 'student',
  skolens: 'student',
  izglitojamais: 'student',
  representative: 'representative',
  'legal representative': 'representative',
  parstavis: 'representative',
  'likumiskais parstavis': 'representative',
  official: 'official',
  'responsible official': 'official',
  amatpersona: 'official',
  'atbildiga amatpersona': 'official',
};

export const MAX_NAME_LENGTH = 100;
export const MAX_CLASS_LENGTH = 10;

/** "2026-12-07" or "07.12.2026" as YYYY-MM-DD; an XLSX date cell arrives as an ISO instant. */
function parseDate(text: string): string | undefined {
  const iso = /^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.000)?Z)?$/.exec(text);
  if (iso && isIsoDate(iso[1]!)) return iso[1];
  const latvian = /^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$/.exec(text);
  if (!latvian) return undefined;
  const date = `${latvian[3]}-${latvian[2]!.padStart(2, '0')}-${latvian[1]!.padStart(2, '0')}`;
  return isIsoDate(date) ? date : undefined;
}

function mapColumns(header: string[]): Partial<Record<Column, number>> {
  const problems: ImportProblem[] = [];
  const columns: Partial<Record<Column, number>> = {};
  header.forEach((heading, index) => {
    const normalised = normaliseHeading(heading);
    const column = (Object.keys(HEADINGS) as Column[]).find((c) => HEADINGS[c].includes(normalised));
    if (column && columns[column] === undefined) columns[column] = index;
    else if (normalised !== '') problems.push({ row: 1, column: heading, key: 'applySchool.classList.header.unexpected', params: { value: heading } });
  });
  const missing = REQUIRED.filter((c) => columns[c] === undefined);
  if (missing.length > 0)
    problems.push({ row: 1, key: 'applySchool.classList.header.missing', params: { columns: missing.map((c) => HEADINGS[c][0]!).join(', ') } });
  if (problems.length > 0) throw new ImportRefused(problems);
  return columns;
}

/**
 * Checks the header and every row. Returns all rows, or throws ImportRefused with every problem found, each with
 * its row and column. `today` (YYYY-MM-DD, Latvian) bounds the application dates: none may be in the future.
 */
export function validateClassList(table: RawTable, languages: readonly ForeignLanguageChoice[], today: string): ClassListRow[] {
  const columns = mapColumns(table.header);
  const languageByWord = new Map<string, string>();
  for (const language of languages) {
    for (const word of [language.examCode, language.examCode.slice(0, 3), ...language.names]) languageByWord.set(normaliseHeading(word), language.examCode);
  }
  const problems: ImportProblem[] = [];
  const rows: ClassListRow[] = [];
  const seen = new Map<string, number>();

  for (const { row, cells } of table.rows) {
    const rowProblems: ImportProblem[] = [];
    const cell = (column: Column) => (columns[column] === undefined ? '' : (cells[columns[column]!] ?? '').trim());
    const at = (column: Column) => ({ row, column: table.header[columns[column]!] || `#${columns[column]! + 1}` });
    const problem = (column: Column, key: string, params: Record<string, string | number> = {}) =>
      rowProblems.push({ ...at(column), key: `applySchool.classList.row.${key}`, params });

    const code = parsePersonalCode(cell('personalCode'));
    if (!code.ok) problem('personalCode', 'personal-code');
    else if (seen.has(code.code)) problem('personalCode', 'duplicate', { first: seen.get(code.code)! });
    else seen.set(code.code, row);

    const firstName = cell('firstName');
    const lastName = cell('lastName');
    if (firstName === '' || firstName.length > MAX_NAME_LENGTH) problem('firstName', 'name', { max: MAX_NAME_LENGTH });
    if (lastName === '' || lastName.length > MAX_NAME_LENGTH) problem('lastName', 'name', { max: MAX_NAME_LENGTH });
    const className = cell('className');
    if (className.length > MAX_CLASS_LENGTH) problem('className', 'class', { max: MAX_CLASS_LENGTH });

    const languageText = cell('foreignLanguage');
    const foreignLanguageExam = languageByWord.get(normaliseHeading(languageText));
    if (!foreignLanguageExam) problem('foreignLanguage', 'language', { value: languageText, allowed: languages.map((l) => l.examCode).join(', ') });

    const basisText = cell('basis');
    const basis = BASIS_WORDS[normaliseHeading(basisText)];
    if (!basis) problem('basis', 'basis', { value: basisText });

    const dateText = cell('basisDate');
    const basisDate = parseDate(dateText);
    if (!basisDate) problem('basisDate', 'date', { value: dateText });
    else if (basisDate > today) problem('basisDate', 'date-future', { value: dateText });

    if (rowProblems.length > 0) problems.push(...rowProblems);
    else
      rows.push({
        row,
        personalCode: (code as { code: string }).code,
        firstName,
        lastName,
        className: className === '' ? null : className,
        foreignLanguageExam: foreignLanguageExam!,
        basis: basis!,
        basisDate: basisDate!,
      });
  }
  if (table.rows.length === 0) problems.push({ key: 'import.file.no-rows' });
  if (problems.length > 0) throw new ImportRefused(problems);
  return rows;
}
