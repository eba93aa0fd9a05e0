/**
 * What a score XLSX may unpack to, and what it may hold, is checked before exceljs reads it: the bytes actually
 * inflated (whatever the archive claims), the rows and the cells. Formulas are refused with their cell's address.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importScores } from '../../src/data/scores.js';
import { translator } from '../../src/i18n.js';
import { describeImportProblem } from '../../src/import/messages.js';
import { ImportRefused, MAX_CELLS, MAX_ROWS, readTable, XLSX_LIMITS, type ImportProblem } from '../../src/import/score-file.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { deflatePieces, writeZip, type ZipEntrySpec } from '../support/lying-zip.js';
import { registerSnapshot, seedSession, type SeededSession } from '../support/register.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MIB = 1024 * 1024;
const SHEET = 'xl/worksheets/sheet1.xml';
const encode = (text: string) => new TextEncoder().encode(text);

/** A small genuine workbook, as exceljs writes it, unpacked. */
async function workbookParts(rows: (string | number | null)[][], edit?: (sheet: ExcelJS.Worksheet) => void): Promise<Record<string, Uint8Array>> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Rezultāti');
  rows.forEach((r) => sheet.addRow(r));
  edit?.(sheet);
  return unzipSync(new Uint8Array(await workbook.xlsx.writeBuffer()));
}

/** The workbook with its first sheet's <sheetData> content replaced, packed honestly again. */
async function withSheetData(sheetData: string): Promise<Uint8Array> {
  const parts = await workbookParts([['candidate_code', 'took_part', 'part_1']]);
  const xml = new TextDecoder().decode(parts[SHEET]).replace(/<sheetData>[\s\S]*<\/sheetData>|<sheetData\/>/, `<sheetData>${sheetData}</sheetData>`);
  const zippable: Zippable = {};
  for (const [name, content] of Object.entries(parts)) zippable[name] = name === SHEET ? encode(xml) : content;
  return zipSync(zippable);
}

/**
 * The workbook with `mebibytes` MiB of spaces inside the first sheet's <sheetData>, deflated to some hundreds of
 * kilobytes; the sheet's headers claim its true size, or (`lying`) the size it had before the padding.
 */
async function paddedWorkbook(mebibytes: number, lying: boolean): Promise<Uint8Array> {
  const parts = await workbookParts([['candidate_code', 'took_part', 'part_1']]);
  const entries: ZipEntrySpec[] = [];
  for (const [name, content] of Object.entries(parts)) {
    if (name.endsWith('/')) continue;
    if (name !== SHEET) {
      entries.push({ name, data: deflateRawSync(content), deflated: true, declaredSize: content.length });
      continue;
    }
    const xml = new TextDecoder().decode(content);
    const at = xml.indexOf('<sheetData>') + '<sheetData>'.length;
    expect(at).toBeGreaterThan('<sheetData>'.length);
    const data = await deflatePieces([encode(xml.slice(0, at)), { repeat: new Uint8Array(MIB).fill(0x20), times: mebibytes }, encode(xml.slice(at))]);
    entries.push({ name, data, deflated: true, declaredSize: lying ? content.length : content.length + mebibytes * MIB });
  }
  return writeZip(entries);
}

async function refusal(promise: Promise<unknown>): Promise<ImportProblem[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImportRefused) return error.problems;
    throw error;
  }
  throw new Error('the file was not refused');
}

describe('score XLSX files are bounded before exceljs reads them', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'score-file-limits-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** readTable in a fresh process: what it answered, and the process's peak memory. */
  function readInOwnProcess(bytes: Uint8Array): { problems?: ImportProblem[]; rows?: number; peakMb: number } {
    const file = join(work, `${Math.random().toString(36).slice(2)}.xlsx`);
    writeFileSync(file, bytes);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/read-table-peak.ts', file, 'scores.xlsx'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    if (run.status !== 0) throw new Error(`read-table-peak failed: ${run.stderr}`);
    return JSON.parse(run.stdout) as { problems?: ImportProblem[]; rows?: number; peakMb: number };
  }

  it('refuses 300 MB of padding inside <sheetData>, honestly declared or not, without unpacking it', async () => {
    const tooLarge = [{ key: 'import.file.xlsx-too-large', params: { max: XLSX_LIMITS.entryBytes / MIB } }];
    const honest = await paddedWorkbook(300, false);
    const lying = await paddedWorkbook(300, true);
    expect(honest.length).toBeLessThan(1 * MIB);
    expect(await refusal(readTable(honest, 'scores.xlsx'))).toEqual(tooLarge);
    expect(await refusal(readTable(lying, 'scores.xlsx'))).toEqual(tooLarge);

    // The peak, in a process of its own: about what reading a tiny genuine workbook needs, not hundreds of MB.
    const baseline = readInOwnProcess(zipSync(await workbookParts([['candidate_code', 'took_part', 'part_1'], ['300000000000', 'yes', 1]])));
    expect(baseline.rows).toBe(1);
    for (const padded of [honest, lying]) {
      const result = readInOwnProcess(padded);
      expect(result.problems).toEqual(tooLarge);
      expect(result.peakMb).toBeLessThan(baseline.peakMb + 64);
    }
  });

  it('refuses a sheet whose headers under-state it, on what it inflates to', async () => {
    // 30 MB of spaces claiming to be the 1 KB sheet exceljs wrote: passes no declared limit, stopped while inflating.
    const problems = await refusal(readTable(await paddedWorkbook(30, true), 'scores.xlsx'));
    expect(problems).toEqual([{ key: 'import.file.xlsx-too-large', params: { max: 24 } }]);
    expect(describeImportProblem(problems[0]!, translator('en'))).toBe('The XLSX file holds too much data when unpacked: at most 24 MB is allowed.');
    expect(describeImportProblem(problems[0]!, translator('lv'))).toBe('XLSX datnē ir par daudz datu: atpakotā veidā atļauti ne vairāk kā 24 MB.');
  });

  it('counts the rows before reading them: a header and 50,001 rows is one too many', async () => {
    const rows = Array.from({ length: MAX_ROWS + 2 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}" t="inlineStr"><is><t>x</t></is></c></row>`).join('');
    const problems = await refusal(readTable(await withSheetData(rows), 'scores.xlsx'));
    expect(problems).toEqual([{ key: 'import.file.too-many-rows', params: { max: MAX_ROWS } }]);
    expect(describeImportProblem(problems[0]!, translator('en'))).toBe('The file has too many rows: at most 50000 are allowed.');
  });

  it('counts the cells before reading them', async () => {
    const perRow = Math.ceil(MAX_CELLS / 1000) + 1;
    const cells = (r: number) => Array.from({ length: perRow }, () => `<c><v>${r}</v></c>`).join('');
    const rows = Array.from({ length: 1000 }, (_, i) => `<row r="${i + 1}">${cells(i)}</row>`).join('');
    const problems = await refusal(readTable(await withSheetData(rows), 'scores.xlsx'));
    expect(problems).toEqual([{ key: 'import.file.too-many-cells', params: { max: MAX_CELLS } }]);
    expect(describeImportProblem(problems[0]!, translator('lv'))).toBe(`Datnē ir par daudz šūnu: atļautas ne vairāk kā ${MAX_CELLS}.`);
  });
});

describe.each(DATABASE_KINDS)('formula cells in a score XLSX on %s', (kind) => {
  let test: TestDatabase;
  let s: SeededSession;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
    s = await seedSession(test.handle.db, { examCode: 'LAT09', candidates: 4 });
  });
  afterEach(async () => test.close());

  it('are refused with their address, whatever result the file caches, and nothing is saved', async () => {
    const parts = await workbookParts(
      [
        ['candidate_code', 'took_part', 'part_1', 'part_2', 'part_3'],
        [s.candidateCodes[0]!, 'yes', 28, 21, 19],
        [s.candidateCodes[1]!, 'yes', 20, 10, 5],
        [s.candidateCodes[2]!, 'yes', 10, 10, 10],
        [s.candidateCodes[3]!, 'no', null, null, null],
      ],
      (sheet) => {
        // A cached result that is a perfectly good score: it must not be taken for the value.
        sheet.getCell('C5').value = { formula: 'C4+C3', result: 30 };
        sheet.getCell('E2').value = { formula: 'SUM(C2:D2)/3', result: 16.33 };
      },
    );
    const before = await registerSnapshot(test.handle.db);
    const problems = await refusal(importScores(test.handle.db, s.sessionId, { bytes: zipSync(parts), name: 'scores.xlsx' }, 'tester'));
    expect(problems).toEqual([
      { row: 2, key: 'import.row.formula', params: { cell: 'E2' } },
      { row: 5, key: 'import.row.formula', params: { cell: 'C5' } },
    ]);
    expect(problems.map((p) => describeImportProblem(p, translator('en')))[1]).toBe('Row 5: cell C5 holds a formula; enter the value itself, not a formula.');
    expect(problems.map((p) => describeImportProblem(p, translator('lv')))[1]).toBe('5. rinda: šūnā C5 ir formula; ierakstiet pašu vērtību, nevis formulu.');
    expect(await registerSnapshot(test.handle.db)).toBe(before);
  });
});
