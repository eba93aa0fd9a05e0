/**
 * "Reports > Statistical reports" through HTTP with real staff sessions: the form, the queue behind it, the list
 * that polls while a report is in progress, the download, and the walls between schools and between users.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { createLogger } from '../../src/log.js';
import { InlineReportExecutor } from '../../src/reports/pool.js';
import { ReportRunner } from '../../src/reports/runner.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';

describe.each(DATABASE_KINDS)('staff reports on %s', (kind) => {
  let test: TestDatabase;
  let schoolA: SeededSession;
  let schoolB: SeededSession;
  let staff: StaffApp;
  let cookieA: string;
  let cookieA2: string;
  let cookieB: string;
  let cookieAgency: string;
  let notified = 0;
  const db = () => test.handle.db;

  const get = (path: string, cookie: string, headers: Record<string, string> = {}) => staff.app.request(path, { headers: { cookie, ...headers } });
  const csrfOf = async (cookie: string) => {
    const page = await (await get('/staff/reports', cookie)).text();
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  };
  const post = async (cookie: string, form: Record<string, string>, csrf?: string) =>
    staff.app.request('/staff/reports', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf ?? (await csrfOf(cookie)), ...form }).toString(),
    });
  const jobs = () => db().selectFrom('report_jobs').selectAll().orderBy('id').execute();

  /** Runs the queue until it is empty, with the same runner the portal uses and the report code in this thread. */
  async function runQueue() {
    const runner = new ReportRunner({
      db: db(),
      executor: new InlineReportExecutor(db()),
      settings: DEFAULT_QUEUE_SETTINGS,
      concurrency: 1,
      log: createLogger('silent'),
      pollMs: 20,
    });
    runner.start();
    for (let i = 0; i < 500; i++) {
      const active = await db().selectFrom('report_jobs').select('id').where('status', 'in', ['queued', 'running']).execute();
      if (active.length === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await runner.stop();
  }

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    schoolA = await seedSession(db(), { examCode: 'MAT09', candidates: 3 });
    schoolB = await seedSession(db(), { examCode: 'LAT09', candidates: 2 });
    const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });
    await importScores(
      db(),
      schoolA.sessionId,
      csv('candidate_code,took_part,part_1,part_2', [
        `${schoolA.candidateCodes[0]},yes,28,16`,
        `${schoolA.candidateCodes[1]},yes,60,20`,
        `${schoolA.candidateCodes[2]},no,,`,
      ]),
      't',
    );
    await issueCertificates(db(), schoolA.sessionId, { actor: 't', issuedOn: '2026-06-17' });
    staff = createStaffApp(db(), { notify: () => notified++ });
    cookieA = await staff.cookieFor(await schoolUser(db(), schoolA.institutionId, validPersonalCode(800_001)));
    cookieA2 = await staff.cookieFor(await schoolUser(db(), schoolA.institutionId, validPersonalCode(800_002)));
    cookieB = await staff.cookieFor(await schoolUser(db(), schoolB.institutionId, validPersonalCode(800_003)));
    cookieAgency = await staff.cookieFor(await agencyUser(db(), validPersonalCode(800_004)));
  });
  afterAll(async () => test?.close());
  beforeEach(async () => {
    await db().deleteFrom('report_file_chunks').execute();
    await db().deleteFrom('report_jobs').execute();
  });

  it('shows a school user the form for their own institution and sessions only', async () => {
    const page = await (await get('/staff/reports', cookieA)).text();
    expect(page).toContain('<h1>Statistikas pārskati</h1>');
    expect(page).toContain(`<option value="${schoolA.institutionId}">Testa vidusskola`);
    expect(page).not.toContain(`value="${schoolB.institutionId}"`);
    expect(page).toContain(`<option value="${schoolA.sessionId}">Eksāmens matemātikā 9. klasei`);
    expect(page).not.toContain(`<option value="${schoolB.sessionId}"`);
    expect(page).toContain('Pieprasīt datus');
    expect(page).toContain('0 - 0 no 0 ierakstiem');
    const agency = await (await get('/staff/reports', cookieAgency)).text();
    expect(agency).toContain(`value="${schoolB.institutionId}"`);
    expect(agency).toContain(`<option value="${schoolB.sessionId}"`);
  });

  it('queues a valid request for the user’s institution, audits it and wakes the runner', async () => {
    const before = notified;
    const res = await post(cookieA, {
      report_type: 'institution-results',
      format: 'xlsx',
      session: String(schoolA.sessionId),
      institution: String(schoolA.institutionId),
    });
    expect(res.status).toBe(303);
    const [job] = await jobs();
    expect(job).toMatchObject({ status: 'queued', type: 'institution-results', format: 'xlsx', institution_id: schoolA.institutionId });
    // A school's report holds results only once they are released; the agency's holds them at once.
    expect(JSON.parse(job!.parameters)).toEqual({ request: { type: 'institution-results', sessionId: schoolA.sessionId }, lang: 'lv' });
    expect(res.headers.get('location')).toBe(`/staff/reports#report-${job!.id}`);
    expect(notified).toBe(before + 1);
    const byAgency = await post(cookieAgency, {
      report_type: 'institution-results',
      format: 'csv',
      session: String(schoolA.sessionId),
      institution: String(schoolA.institutionId),
    });
    expect(byAgency.status).toBe(303);
    const agencyJob = (await jobs()).find((j) => j.format === 'csv')!;
    expect(JSON.parse(agencyJob.parameters)).toEqual({ request: { type: 'institution-results', sessionId: schoolA.sessionId }, lang: 'lv', allResults: true });
    const audit = await db()
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'report.request')
      .where('subject', '=', `report:${job!.id}`)
      .executeTakeFirst();
    expect(audit).toBeDefined();
  });

  it('refuses a bad request with the reasons, in the user’s language, and queues nothing', async () => {
    const res = await post(cookieA, { report_type: 'applications', format: 'xlsx', from: '2026-09-01T00:00', to: '2025-09-01T00:00' });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Beigu datumam jābūt pēc sākuma datuma.');
    expect(page).toContain('aria-invalid="true"');
    expect(page).toContain('value="2026-09-01T00:00"');
    const en = await staff.app.request('/staff/reports?lang=en', {
      method: 'POST',
      headers: { cookie: `${cookieA}; lang=en`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: await csrfOf(cookieA),
        report_type: 'graduates',
        format: 'pdf',
        selection_date: '2026-02-30',
        education: 'basic',
      }).toString(),
    });
    expect(en.status).toBe(400);
    expect(await en.text()).toContain('This value is not valid.');
    expect(await jobs()).toEqual([]);
  });

  it('refuses another school’s institution (404) and session (400), and a missing CSRF token (403)', async () => {
    expect(
      (
        await post(cookieA, {
          report_type: 'graduates',
          format: 'csv',
          selection_date: '2026-07-01',
          education: 'basic',
          institution: String(schoolB.institutionId),
        })
      ).status,
    ).toBe(404);
    expect((await post(cookieA, { report_type: 'institution-results', format: 'xlsx', session: String(schoolB.sessionId) })).status).toBe(400);
    expect((await post(cookieA, { report_type: 'graduates', format: 'csv', selection_date: '2026-07-01', education: 'basic' }, 'forged')).status).toBe(403);
    expect(await jobs()).toEqual([]);
  });

  it('lets a user have only so many reports waiting', async () => {
    for (let i = 0; i < DEFAULT_QUEUE_SETTINGS.maxQueuedPerUser; i++) {
      expect((await post(cookieA, { report_type: 'graduates', format: 'csv', selection_date: '2026-07-01', education: 'basic' })).status).toBe(303);
    }
    const refused = await post(cookieA, { report_type: 'graduates', format: 'csv', selection_date: '2026-07-01', education: 'basic' });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain(`Jums jau ir ${DEFAULT_QUEUE_SETTINGS.maxQueuedPerUser} pārskati rindā`);
  });

  it('polls the list while a report is in progress, then offers the finished file to its owner only', async () => {
    await post(cookieA, { report_type: 'institution-results', format: 'xlsx', session: String(schoolA.sessionId) });
    const [job] = await jobs();
    const waiting = await (await get('/staff/reports/list', cookieA, { 'HX-Request': 'true' })).text();
    expect(waiting).toMatch(/^<section id="report-list"/);
    expect(waiting).toContain('hx-trigger="every 2s"');
    expect(waiting).toContain('Gaida rindā');
    expect(waiting).not.toContain('<html');

    await runQueue();
    const done = await (await get('/staff/reports/list', cookieA)).text();
    expect(done).not.toContain('hx-trigger');
    expect(done).toContain('Pabeigts veiksmīgi');
    expect(done).toContain(`href="/staff/reports/${job!.id}/download"`);
    expect(done).toContain('1 - 1 no 1 ierakstiem');

    const file = await get(`/staff/reports/${job!.id}/download`, cookieA);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="[\w.-]+\.xlsx"$/);
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.length).toBe(Number(file.headers.get('content-length')));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    // A header and one row per registered candidate of school A's session.
    expect(sheet.actualRowCount).toBe(2 + 3);
    const codes = new Set<string>();
    sheet.eachRow((row, n) => {
      if (n > 1) row.eachCell((cell) => codes.add(String(cell.value)));
    });
    for (const code of schoolA.candidateCodes) expect(codes.has(code)).toBe(true);
    for (const code of schoolB.candidateCodes) expect(codes.has(code)).toBe(false);

    // A colleague at the same school, another school and the agency cannot download someone else's report.
    for (const cookie of [cookieA2, cookieB, cookieAgency]) expect((await get(`/staff/reports/${job!.id}/download`, cookie)).status).toBe(404);
    expect(await (await get('/staff/reports/list', cookieB)).text()).not.toContain(`report-${job!.id}`);
    const audits = await db().selectFrom('audit_log').selectAll().where('action', '=', 'report.download').execute();
    expect(audits.length).toBe(1);
  });

  it('lets agency staff ask about all institutions at once', async () => {
    expect(
      (await post(cookieAgency, { report_type: 'graduates', format: 'csv', selection_date: '2026-07-01', education: 'basic', institution: '' })).status,
    ).toBe(303);
    expect((await jobs())[0]).toMatchObject({ institution_id: null });
  });
});
