/**
 * Reading a score file (CSV or XLSX) into validated rows. Nothing here touches the database: the caller
 * supplies what the session expects, and gets back either every row or every problem with its place.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { zipSync, type Zippable } from 'fflate';
import { isCandidateCode } from '../domain/certificate-number.js';
import { checkPartPoints, parsePoints, type PartDefinition, type ScoringProblem } from '../domain/scoring.js';
import { unzipBounded, ZipError, type UnzipLimits } from '../unzip.js';

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_ROWS = 50_000;

/**
 * What an XLSX may unpack to. A 50,000-row score sheet is some 12 MB of XML; a few megabytes of ZIP can claim
 * to be that and hold gigabytes, so the limits hold for the bytes actually inflated.
 */
export const XLSX_LIMITS: UnzipLimits = { entries: 256, entryBytes: 24 * 1024 * 1024, totalBytes: 48 * 1024 * 1024 };

/**
 * Cells in all worksheets together: ten columns of every allowed row. exceljs keeps each cell as an object of
 * several hundred bytes, so this, not the file size, is what bounds the memory an import needs.
 */
export const MAX_CELLS = 10 * (MAX_ROWS + 1);

export type TookPart = 'yes' | 'no' | 'partly';

/** A problem in the file, to be shown to the user: an i18n key with its parameters. */
export interface ImportProblem {
  /** Row number as a spreadsheet program shows it (the header is row 1); absent for the whole file. */
  row?: number;
  /** Column heading as written in the file, or its position. */
  column?: string;
  key: string;
  params?: Record<string, string | number>;
}

export interface RawTable {
  header: string[];
  rows: { row: number; cells: string[] }[];
}

export interface ScoreRow {
  row: number;
  candidateCode: string;
  tookPart: TookPart;
  /** Raw points per part in hundredths; empty for a candidate who did not take part. */
  points: number[];
}

export class ImportRefused extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(`import refused: ${problems.length} problem(s)`);
    this.name = 'ImportRefused';
  }
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function looksLikeZip(bytes: Uint8Array): boolean {
  return ZIP_MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads the first worksheet of an XLSX or a CSV (comma, semicolon or tab separated, UTF-8). */
export async function readTable(bytes: Uint8Array, fileName: string): Promise<RawTable> {
  if (bytes.length > MAX_FILE_BYTES) {
    throw new ImportRefused([{ key: 'import.file.too-large', params: { max: MAX_FILE_BYTES / 1024 / 1024 } }]);
  }
  if (bytes.length === 0) throw new ImportRefused([{ key: 'import.file.empty' }]);
  const isXlsx = /\.xlsx$/i.test(fileName) || looksLikeZip(bytes);
  const table = isXlsx ? await readXlsx(bytes) : readCsv(bytes);
  if (table.header.every((h) => h === '')) throw new ImportRefused([{ key: 'import.file.empty' }]);
  if (table.rows.length > MAX_ROWS) throw new ImportRefused([{ key: 'import.file.too-many-rows', params: { max: MAX_ROWS } }]);
  return table;
}

function readCsv(bytes: Uint8Array): RawTable {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportRefused([{ key: 'import.file.not-utf8' }]);
  }
  text = text.replace(/^\uFEFF/, '');
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delimiter = [';', '\t', ','].reduce((best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best));
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new ImportRefused([{ key: 'import.file.unreadable-csv', ...(line ? { row: line } : {}) }]);
  }
  const [first, ...rest] = records;
  if (!first) throw new ImportRefused([{ key: 'import.file.empty' }]);
  return {
    header: first.record,
    rows: rest.filter((r) => r.record.some((c) => c !== '')).map((r) => ({ row: r.info.lines, cells: r.record })),
  };
}

/** Worksheet parts as exceljs finds them (by this very pattern, wherever in the archive it matches). */
const WORKSHEET_PART = /xl\/worksheets\/sheet(\d+)[.]xml/;

/** Elements of one name, with or without a namespace prefix, counted without building anything. */
function countElements(xml: string, name: string): number {
  const pattern = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}[\\s/>]`, 'g');
  let count = 0;
  while (pattern.exec(xml)) count++;
  return count;
}

/**
 * The archive's entries, unpacked within XLSX_LIMITS and counted (rows in each worksheet, cells in all) before
 * exceljs is given any of it.
 */
function unpackXlsx(bytes: Uint8Array): Array<[string, Uint8Array]> {
  let entries: Array<[string, Uint8Array]>;
  try {
    entries = unzipBounded(bytes, XLSX_LIMITS);
  } catch (error) {
    if (error instanceof ZipError && error.problem === 'entry-too-large') {
      throw new ImportRefused([{ key: 'import.file.xlsx-too-large', params: { max: (error.limit ?? XLSX_LIMITS.totalBytes) / 1024 / 1024 } }]);
    }
    throw new ImportRefused([{ key: 'import.file.unreadable-xlsx' }]);
  }
  let cells = 0;
  for (const [name, content] of entries) {
    if (!WORKSHEET_PART.test(name)) continue;
    const xml = new TextDecoder().decode(content);
    // The header row is not a candidate: MAX_ROWS rows may follow it.
    if (countElements(xml, 'row') > MAX_ROWS + 1) throw new ImportRefused([{ key: 'import.file.too-many-rows', params: { max: MAX_ROWS } }]);
    cells += countElements(xml, 'c');
    if (cells > MAX_CELLS) throw new ImportRefused([{ key: 'import.file.too-many-cells', params: { max: MAX_CELLS } }]);
  }
  return entries;
}

async function readXlsx(bytes: Uint8Array): Promise<RawTable> {
  // exceljs gets an archive rebuilt from what was just measured, stored: its own unzipping then has nothing to
  // inflate, and no way to read the original differently from how it was checked.
  const parts: Zippable = {};
  for (const [name, content] of unpackXlsx(bytes)) parts[name] = [content, { level: 0 }];
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(zipSync(parts)) as unknown as ExcelJS.Buffer);
  } catch {
    throw new ImportRefused([{ key: 'import.file.unreadable-xlsx' }]);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new ImportRefused([{ key: 'import.file.empty' }]);
  const rows: RawTable['rows'] = [];
  const formulas: ImportProblem[] = [];
  let header: string[] | undefined;
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) {
      const cell = row.getCell(c);
      // A formula's cached result is whatever the program that last saved the file wrote there, if anything:
      // points must be the values themselves.
      if (cell.type === ExcelJS.ValueType.Formula) formulas.push({ row: rowNumber, key: 'import.row.formula', params: { cell: cell.address } });
      cells.push(cellText(cell.value));
    }
    if (!header) header = cells;
    else if (cells.some((c) => c !== '')) rows.push({ row: rowNumber, cells });
  });
  if (formulas.length > 0) throw new ImportRefused(formulas);
  if (!header) throw new ImportRefused([{ key: 'import.file.empty' }]);
  return { header, rows };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // A value pasted from a calculation keeps its binary noise (0.30000000000000004), which is not a third decimal.
  if (typeof value === 'number') return String(Number(value.toFixed(9)));
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value.trim();
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value)
    return value.richText
      .map((r) => r.text)
      .join('')
      .trim();
  if ('text' in value) return String(value.text).trim();
  if ('error' in value) return String(value.error);
  return '';
}

/** Lower case, Latvian letters folded to ASCII, punctuation to single spaces: "Kārtotāja_kods" → "kartotaja kods". */
export function normaliseHeading(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

const CANDIDATE_HEADINGS = new Set(['candidate code', 'kartotaja kods']);
const TOOK_PART_HEADINGS = new Set(['took part', 'piedalijas']);

function partNumberOfHeading(normalised: string): number | undefined {
  const match = /^(?:(?:part|dala) (\d+)|(\d+) dala)$/.exec(normalised);
  return match ? Number(match[1] ?? match[2]) : undefined;
}

const TOOK_PART_VALUES: Record<string, TookPart> = {
  yes: 'yes',
  ja: 'yes',
  no: 'no',
  ne: 'no',
  partly: 'partly',
  daleji: 'partly',
};

export interface SessionExpectation {
  parts: readonly PartDefinition[];
  /** Candidate codes registered for the session, with whether each is exempted. */
  registered: ReadonlyMap<string, { exempted: boolean }>;
}

/**
 * Checks the header and every row against the session. Returns all rows, or throws ImportRefused with
 * every problem found (not just the first), each with its row and column.
 */
export function validateScoreTable(table: RawTable, expected: SessionExpectation): ScoreRow[] {
  const columns = mapColumns(table.header, expected.parts.length);
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  const rows: ScoreRow[] = [];

  for (const { row, cells } of table.rows) {
    const at = (column: number) => ({ row, column: table.header[column] || `#${column + 1}` });
    const rowProblems: ImportProblem[] = [];
    if (cells.length > table.header.length && cells.slice(table.header.length).some((c) => c !== '')) {
      rowProblems.push({ row, column: `#${table.header.length + 1}`, key: 'import.row.extra-cells', params: { expected: table.header.length } });
    }

    const candidateCode = (cells[columns.candidate] ?? '').trim();
    if (!isCandidateCode(candidateCode)) {
      rowProblems.push({ ...at(columns.candidate), key: 'import.row.candidate-format', params: { value: candidateCode } });
    } else if (!expected.registered.has(candidateCode)) {
      rowProblems.push({ ...at(columns.candidate), key: 'import.row.candidate-unknown', params: { value: candidateCode } });
    } else if (seen.has(candidateCode)) {
      rowProblems.push({ ...at(columns.candidate), key: 'import.row.candidate-duplicate', params: { value: candidateCode, first: seen.get(candidateCode)! } });
    } else {
      seen.set(candidateCode, row);
    }

    const tookPartText = cells[columns.tookPart] ?? '';
    const tookPart = TOOK_PART_VALUES[normaliseHeading(tookPartText)];
    if (!tookPart) rowProblems.push({ ...at(columns.tookPart), key: 'import.row.took-part', params: { value: tookPartText } });
    if (tookPart && tookPart !== 'no' && expected.registered.get(candidateCode)?.exempted) {
      rowProblems.push({ ...at(columns.tookPart), key: 'import.row.exempted', params: { value: candidateCode } });
    }

    const points: number[] = [];
    const texts = columns.parts.map((c) => (cells[c] ?? '').trim());
    if (tookPart === 'no') {
      texts.forEach((text, i) => {
        if (text !== '' && parsePoints(text, i + 1) !== 0) {
          rowProblems.push({ ...at(columns.parts[i]!), key: 'import.row.points-without-attendance', params: { value: text } });
        }
      });
    } else if (tookPart) {
      if (tookPart === 'partly' && texts.every((t) => t === '')) {
        rowProblems.push({ row, key: 'import.row.partly-without-points' });
      }
      texts.forEach((text, i) => {
        const partNo = i + 1;
        const parsed = text === '' && tookPart === 'partly' ? 0 : parsePoints(text, partNo);
        const problem = typeof parsed === 'number' ? checkPartPoints(parsed, partNo, expected.parts[i]!) : parsed;
        if (problem) rowProblems.push({ ...at(columns.parts[i]!), ...scoringProblemMessage(problem) });
        else points.push(parsed as number);
      });
    }

    if (rowProblems.length > 0) problems.push(...rowProblems);
    else rows.push({ row, candidateCode, tookPart: tookPart!, points });
  }

  if (table.rows.length === 0) problems.push({ key: 'import.file.no-rows' });
  if (problems.length > 0) throw new ImportRefused(problems);
  return rows;
}

export function scoringProblemMessage(problem: ScoringProblem): Pick<ImportProblem, 'key' | 'params'> {
  switch (problem.kind) {
    case 'missing':
      return { key: 'import.row.points-missing', params: { part: problem.part } };
    case 'not-a-number':
      return { key: 'import.row.points-not-number', params: { part: problem.part, value: problem.value } };
    case 'too-precise':
      return { key: 'import.row.points-too-precise', params: { part: problem.part, value: problem.value } };
    case 'out-of-range':
      return { key: 'import.row.points-range', params: { part: problem.part, value: problem.value, max: problem.max } };
    case 'part-count':
      return { key: 'import.row.part-count', params: { expected: problem.expected, actual: problem.actual } };
  }
}

interface ColumnMap {
  candidate: number;
  tookPart: number;
  parts: number[];
}

function mapColumns(header: string[], partCount: number): ColumnMap {
  const problems: ImportProblem[] = [];
  let candidate = -1;
  let tookPart = -1;
  const parts = new Map<number, number>();
  header.forEach((heading, index) => {
    const normalised = normaliseHeading(heading);
    const partNo = partNumberOfHeading(normalised);
    if (CANDIDATE_HEADINGS.has(normalised) && candidate < 0) candidate = index;
    else if (TOOK_PART_HEADINGS.has(normalised) && tookPart < 0) tookPart = index;
    else if (partNo !== undefined && partNo >= 1 && partNo <= partCount && !parts.has(partNo)) parts.set(partNo, index);
    else if (normalised !== '') problems.push({ row: 1, column: heading, key: 'import.header.unexpected', params: { value: heading } });
  });
  if (candidate < 0) problems.push({ row: 1, key: 'import.header.missing-candidate' });
  if (tookPart < 0) problems.push({ row: 1, key: 'import.header.missing-took-part' });
  const missingParts = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !parts.has(n));
  if (missingParts.length > 0) {
    problems.push({ row: 1, key: 'import.header.missing-parts', params: { parts: missingParts.join(', '), count: partCount } });
  }
  if (problems.length > 0) throw new ImportRefused(problems);
  return { candidate, tookPart, parts: Array.from({ length: partCount }, (_, i) => parts.get(i + 1)!) };
}
