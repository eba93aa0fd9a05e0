/**
 * What an XLSX report says about itself and how it prints: a title row (the report's name, its parameters, when it
 * was made) above the headings, and a page setup of landscape, fitted to one page wide, headings repeated on each
 * printed page. Read back by exceljs and, independently, by LibreOffice (which converts the file to OpenDocument,
 * where the page style and the repeated rows are plain XML).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/reports/run.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { buildReportFixture, MAT09_TITLE, type ReportFixture } from './fixture.js';
import { claimedJob, storedFile } from './jobs.js';
import { readWithLibreOffice } from './libreoffice.js';

const GENERATED = /Sagatavots \d\d\.\d\d\.\d{4} \d\d:\d\d \(Latvijas laiks\)$/;

/** The file as LibreOffice saves it in OpenDocument: its styles.xml and content.xml. */
async function openDocumentOf(bytes: Buffer): Promise<{ styles: string; content: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'report-ods-'));
  try {
    const path = join(dir, 'report.xlsx');
    writeFileSync(path, bytes);
    const profile = pathToFileURL(join(dir, 'profile')).href;
    await promisify(execFile)('soffice', [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', 'ods', '--outdir', dir, path], { timeout: 60_000 });
    const files = unzipSync(new Uint8Array(readFileSync(join(dir, 'report.ods'))));
    return { styles: strFromU8(files['styles.xml']!), content: strFromU8(files['content.xml']!) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(DATABASE_KINDS)('the XLSX title row and page setup on %s', (kind) => {
  let test: TestDatabase;
  let f: ReportFixture;
  const db = () => test.handle.db;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    f = await buildReportFixture(db());
  });
  afterAll(async () => test?.close());

  it('names the report, its parameters and when it was made above the headings, in the report’s language', async () => {
    const results = await claimedJob(db(), {
      institutionId: f.institutionA,
      format: 'xlsx',
      request: { type: 'institution-results', sessionId: f.mat09Session },
    });
    const applications = await claimedJob(db(), {
      institutionId: null,
      format: 'xlsx',
      request: { type: 'applications', from: '2025-09-01T06:00:00.000Z', to: '2026-06-30T20:59:59.999Z' },
      lang: 'en',
    });
    await runReport(db(), results);
    await runReport(db(), applications);
    const read = await readWithLibreOffice({ results: await storedFile(db(), results.jobId), applications: await storedFile(db(), applications.jobId) });
    const institution = await db().selectFrom('institutions').select('name').where('id', '=', f.institutionA).executeTakeFirstOrThrow();

    const resultsTitle = read.results![0]![0]!.value;
    expect(resultsTitle.startsWith(`Izglītības iestādes pārbaudījuma rezultāti — Norise: ${MAT09_TITLE}; Iestāde: ${institution.name} — `)).toBe(true);
    expect(resultsTitle).toMatch(GENERATED);
    expect(read.results![1]![0]!.value).toBe('Personas kods');

    expect(read.applications![0]![0]!.value).toMatch(
      /^CE candidates’ applications — Applications from 01\.09\.2025 09:00 to 30\.06\.2026 23:59; Institution: all institutions — Generated \d\d\.\d\d\.\d{4} \d\d:\d\d \(Latvian time\)$/,
    );
  });

  it('prints landscape, one page wide, with the title and headings repeated on every page (exceljs and LibreOffice agree)', async () => {
    const task = await claimedJob(db(), {
      institutionId: f.institutionA,
      format: 'xlsx',
      request: { type: 'graduates', selectionDate: '2026-06-19', education: 'basic' },
    });
    await runReport(db(), task);
    const bytes = await storedFile(db(), task.jobId);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:2' });
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true);

    const { styles, content } = await openDocumentOf(bytes);
    const pageLayout = /<style:page-layout-properties[^>]*>/.exec(styles)![0];
    expect(pageLayout).toContain('style:print-orientation="landscape"');
    // Fit to one page wide, as many pages down as needed.
    expect(pageLayout).toContain('style:scale-to-X="1"');
    expect(pageLayout).not.toContain('style:scale-to-Y');
    // The title and heading rows repeat on every printed page.
    const repeated = /<table:table-header-rows>([\s\S]*?)<\/table:table-header-rows>/.exec(content)?.[1] ?? '';
    expect(repeated).toContain('Pretendentu un absolventu');
    expect(repeated).toContain('Personas kods');
  });
});
