/**
 * The files themselves: XLSX read back by LibreOffice and by exceljs, CSV read by csv-parse and byte by byte, the
 * chunks in the database, progress, and a retried job.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReportChunk } from '../../src/data/report-jobs.js';
import { ReportFileSink } from '../../src/reports/chunk-sink.js';
import { runReport } from '../../src/reports/run.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { buildReportFixture, FORMULA_NAME, LATVIAN_NAME, MAT09_TITLE, QUOTED_NAME, type Person, type ReportFixture } from './fixture.js';
import { claimedJob, storedFile } from './jobs.js';
import { readWithLibreOffice, type ReadCell } from './libreoffice.js';

const RESULTS_HEADINGS = [
  'Personas kods',
  'Vārds',
  'Uzvārds',
  'Klase, kurss',
  'Kārtotāja numurs',
  'Eksāmena nosaukums',
  'Vērtējums 1. daļā',
  'Vērtējums 2. daļā',
  'Vērtējums kopā',
  'Ieradās',
  'Starptautiskais sertifikāts',
  'Sertifikāta numurs',
];

async function loadXlsx(bytes: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook.worksheets[0]!;
}

describe.each(DATABASE_KINDS)('report files on %s', (kind) => {
  let test: TestDatabase;
  let f: ReportFixture;
  let p: [Person, Person, Person, Person, Person];
  const db = () => test.handle.db;
  const mat09Results = () => ({ type: 'institution-results', sessionId: f.mat09Session }) as const;
  const basicGraduates = { type: 'graduates', selectionDate: '2026-06-19', education: 'basic' } as const;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    f = await buildReportFixture(db());
    p = f.a as typeof p;
  });
  afterAll(async () => test?.close());

  it('writes XLSX that LibreOffice reads with numbers as numbers, the date as a date and every Latvian letter', async () => {
    const results = await claimedJob(db(), { institutionId: f.institutionA, format: 'xlsx', request: mat09Results() });
    const graduates = await claimedJob(db(), { institutionId: f.institutionA, format: 'xlsx', request: basicGraduates });
    const resultsFile = await runReport(db(), results);
    await runReport(db(), graduates);
    const resultsBytes = await storedFile(db(), results.jobId);
    expect(resultsFile).toEqual({ fileName: `izglitibas-iestades-parbaudijuma-rezultati-${results.jobId}.xlsx`, fileSize: resultsBytes.length, rows: 5 });

    const read = await readWithLibreOffice({ results: resultsBytes, graduates: await storedFile(db(), graduates.jobId) });
    const text = (value: string): ReadCell => ({ value, text: true });
    const numeric = (value: string): ReadCell => ({ value, text: false });
    const empty = numeric('');
    const person = (q: Person) => [text(q.printedCode), text(q.firstName), text(q.lastName), text('12.a'), text(q.candidateCode), text(MAT09_TITLE)];

    expect(read.results![0]![0]!.value).toMatch(
      /^Izglītības iestādes pārbaudījuma rezultāti — Norise: .+; Iestāde: .+ — Sagatavots \d\d\.\d\d\.\d{4} \d\d:\d\d \(Latvijas laiks\)$/,
    );
    expect(read.results![1]).toEqual(RESULTS_HEADINGS.map(text));
    expect(read.results!.slice(2, 6)).toEqual([
      [...person(p[0]), numeric('20'), numeric('7'), numeric('16'), text('Jā'), text('Nav'), text(`2026/${p[0].candidateCode}-MAT09`)],
      [...person(p[1]), numeric('71'), numeric('15'), numeric('57'), text('Jā'), text('Nav'), empty],
      [...person(p[2]), empty, empty, empty, text('Nē'), text('Nav'), empty],
      [...person(p[3]), numeric('55'), numeric('10'), numeric('43'), text('Jā'), text('Nav'), text(`2026/${p[3].candidateCode}-MAT09`)],
    ]);
    expect(read.results![2]![2]!.value).toBe(LATVIAN_NAME);
    // Text that looks like a formula stays text.
    expect(read.results![3]![1]).toEqual(text(FORMULA_NAME));
    expect(read.results![4]![2]).toEqual(text(QUOTED_NAME));
    expect(read.results![6]![1]!.value.replace(/\r?\n/, ' ')).toBe('-Marta Marija');
    expect(read.results).toHaveLength(7);

    const certificate = read.graduates!.find((row) => row[7]!.value === `2026/${p[0].candidateCode}-MAT09`);
    expect(certificate).toEqual([
      text(p[0].printedCode),
      text('Ērika'),
      text(LATVIAN_NAME),
      text('12.a'),
      text(MAT09_TITLE),
      text('2025./2026.'),
      numeric('16'),
      text(`2026/${p[0].candidateCode}-MAT09`),
      numeric('17.06.2026'),
    ]);
  });

  it('writes XLSX with a frozen, filtered header, typed cells and readable widths (as exceljs reads it)', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'xlsx', request: basicGraduates });
    await runReport(db(), task);
    const sheet = await loadXlsx(await storedFile(db(), task.jobId));
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    // From the header (under the title row) over every row: six certificates.
    expect(sheet.autoFilter).toBe('A2:I8');
    expect(sheet.getRow(2).getCell(1).value).toBe('Personas kods');
    expect(sheet.getColumn(5).width).toBeGreaterThanOrEqual(40);
    const row = sheet.getRows(3, sheet.rowCount - 2)!.find((r) => r.getCell(8).value === `2026/${p[0].candidateCode}-MAT09`)!;
    expect(row.getCell(7).type).toBe(ExcelJS.ValueType.Number);
    expect(row.getCell(7).value).toBe(16);
    expect(row.getCell(9).type).toBe(ExcelJS.ValueType.Date);
    expect((row.getCell(9).value as Date).toISOString()).toBe('2026-06-17T00:00:00.000Z');
    expect(row.getCell(9).numFmt).toBe('dd.mm.yyyy');
    expect(row.getCell(3).value).toBe(LATVIAN_NAME);
    const formula = sheet
      .getRows(3, sheet.rowCount - 2)!
      .find((r) => r.getCell(8).value === `2026/${p[1].candidateCode}-MAT09`)!
      .getCell(2);
    expect(formula.type).toBe(ExcelJS.ValueType.String);
    expect(formula.value).toBe(FORMULA_NAME);
    expect(formula.formula).toBeUndefined();
  });

  it('writes CSV with a BOM, semicolons, CRLF, RFC 4180 quoting and text no spreadsheet would run', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'csv', request: mat09Results() });
    const file = await runReport(db(), task);
    const bytes = await storedFile(db(), task.jobId);
    expect(file).toEqual({ fileName: `izglitibas-iestades-parbaudijuma-rezultati-${task.jobId}.csv`, fileSize: bytes.length, rows: 5 });
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = bytes.subarray(3).toString('utf8');
    const line = (q: Person, rest: string) => `${q.printedCode};${rest};12.a;${q.candidateCode};${MAT09_TITLE};`;
    expect(csv).toBe(
      [
        `${RESULTS_HEADINGS.join(';')}\r\n`,
        `${line(p[0], `Ērika;${LATVIAN_NAME}`)}20;7;16;Jā;Nav;2026/${p[0].candidateCode}-MAT09\r\n`,
        `${line(p[1], `"'=HYPERLINK(""http://x"";""y"")";Liepa`)}71;15;57;Jā;Nav;\r\n`,
        `${line(p[2], `Anna;"Kalniņa;""Ozola"""`)};;;Nē;Nav;\r\n`,
        `${line(p[3], `'+37120000000;Ozols`)}55;10;43;Jā;Nav;2026/${p[3].candidateCode}-MAT09\r\n`,
        `${line(p[4], `"'-Marta\r\nMarija";'@Vītola`)};;;Nē;Nav;\r\n`,
      ].join(''),
    );
    // An independent parser reads the same cells back.
    const records = parse(bytes, { delimiter: ';', bom: true, relax_column_count: false }) as string[][];
    expect(records[0]).toEqual(RESULTS_HEADINGS);
    expect(records[2]![1]).toBe(`'${FORMULA_NAME}`);
    expect(records[3]![2]).toBe(QUOTED_NAME);
    expect(records[5]![1]).toBe("'-Marta\r\nMarija");
    expect(records).toHaveLength(6);
  });

  it('writes CSV dates as dd.mm.yyyy', async () => {
    const task = await claimedJob(db(), {
      institutionId: f.institutionA,
      format: 'csv',
      request: { type: 'graduates', selectionDate: '2026-07-01', education: 'secondary' },
    });
    await runReport(db(), task);
    const csv = (await storedFile(db(), task.jobId)).toString('utf8');
    expect(csv).toContain(`;2025./2026.;77;2026/${f.secondCode}-BIOAL;30.06.2026\r\n`);
  });

  it('starts a retried job clean, so the stored file is exactly the new one', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'xlsx', request: mat09Results() });
    // An earlier attempt died after storing four pieces of another file.
    for (let n = 0; n < 4; n++) await writeReportChunk(db(), task.jobId, task.runnerId, n, new Uint8Array(1000).fill(7));
    const file = await runReport(db(), task);
    const chunks = await db().selectFrom('report_file_chunks').select('chunk_no').where('job_id', '=', task.jobId).orderBy('chunk_no').execute();
    expect(chunks.map((c) => c.chunk_no)).toEqual([0]);
    const bytes = await storedFile(db(), task.jobId);
    expect(bytes.length).toBe(file.fileSize);
    const sheet = await loadXlsx(bytes);
    expect(sheet.actualRowCount).toBe(7);
    expect(sheet.getRow(3).getCell(5).value).toBe(p[0].candidateCode);
  });

  it('records the total at once and progress as batches are written', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'csv', request: mat09Results() });
    await runReport(db(), task, { batchSize: 2, progressEveryMs: 0 });
    const job = await db().selectFrom('report_jobs').select(['rows_done', 'rows_total']).where('id', '=', task.jobId).executeTakeFirstOrThrow();
    expect(job).toEqual({ rows_done: 5, rows_total: 5 });
  });

  it('stops when told to, storing nothing', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'xlsx', request: mat09Results() });
    await expect(runReport(db(), task, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(await storedFile(db(), task.jobId)).toHaveLength(0);
  });

  it('stores a file in pieces of the chunk size, the last one shorter', async () => {
    const task = await claimedJob(db(), { institutionId: f.institutionA, format: 'csv', request: mat09Results() });
    const sink = new ReportFileSink(db(), task.jobId, task.runnerId, 1000);
    const data = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    for (const piece of [data.subarray(0, 700), data.subarray(700, 1900), data.subarray(1900)]) sink.write(piece);
    sink.end();
    await new Promise((resolve, reject) => sink.on('finish', resolve).on('error', reject));
    const chunks = await db().selectFrom('report_file_chunks').select(['chunk_no', 'data']).where('job_id', '=', task.jobId).orderBy('chunk_no').execute();
    expect(chunks.map((c) => [c.chunk_no, c.data.length])).toEqual([
      [0, 1000],
      [1, 1000],
      [2, 500],
    ]);
    expect(await storedFile(db(), task.jobId)).toEqual(data);
    expect(sink.bytes).toBe(2500);
  });
});
