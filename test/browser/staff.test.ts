/**
 * A school superuser's way through the staff pages in a real browser (Debian's Chromium): sign in through a real
 * OpenID Connect provider standing in for Latvija.lv, open an exam session, filter its candidates, download all its
 * certificates as one ZIP and find the right sealed files in it, request a report and watch it complete without
 * reloading (htmx polling; the report runs in the piscina worker pool), download it; and try every staff URL of
 * another school, getting nothing. Every page passes axe-core's WCAG 2.1 AA rules and fits a 360-px screen.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/connect.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { generateDemo } from '../../src/data/demo.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { saveStaffUser } from '../../src/data/staff.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { ReportPool } from '../../src/reports/pool.js';
import { ReportRunner } from '../../src/reports/runner.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, launchChromium, BROWSER_STEP_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc-server.js';
import { validPersonalCode } from '../support/register.js';

let dataDir: string;
let handle: DatabaseHandle;
let setup: SealingSetup;
let pool: SealingPool;
let reportPool: ReportPool;
let runner: ReportRunner;
let portal: Listening;
let provider: Listening & { issuer: string };
let browser: Browser;
const accounts = new Map<string, string | undefined>();
/** School A (the signed-in user's) and school B, with one exam session each that has issued certificates. */
let schoolA: { id: number; name: string; sessionId: number };
let schoolB: { id: number; name: string; sessionId: number; registrationId: number };

async function busiestSession(db: DatabaseHandle['db'], institutionId: number) {
  return db
    .selectFrom('certificates')
    .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .select(['registrations.session_id', 'registrations.id as registrationId'])
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('candidates.institution_id', '=', institutionId)
    .where('candidates.school_year', '=', 2025)
    .groupBy(['registrations.session_id', 'registrations.id'])
    .orderBy('registrations.session_id', 'desc')
    .executeTakeFirstOrThrow();
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'staff-browser-'));
  // A database file, so that the report worker threads can open it too.
  handle = openDatabase({ url: join(dataDir, 'portal.db') });
  await prepareDatabase(handle);
  const db = handle.db;
  await generateDemo(db, { students: 120, seed: 5, latestYear: 2025, schools: 3 });
  const institutions = await db.selectFrom('institutions').select(['id', 'name', 'registration_number']).orderBy('id').limit(2).execute();
  const a = await busiestSession(db, institutions[0]!.id);
  const b = await busiestSession(db, institutions[1]!.id);
  schoolA = { id: institutions[0]!.id, name: institutions[0]!.name, sessionId: a.session_id };
  schoolB = { id: institutions[1]!.id, name: institutions[1]!.name, sessionId: b.session_id, registrationId: b.registrationId };
  const superuserCode = validPersonalCode(610_001);
  await saveStaffUser(db, { personalCode: superuserCode, displayName: 'Inese Ozoliņa', role: 'school', institution: institutions[0]!.registration_number });
  accounts.set('inese', superuserCode);

  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
  pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, workers: 1, queue: 100 });
  await sealPendingCertificates(db, (facts) => pool.seal(facts), { actor: 'test', channel: 'test' });
  reportPool = new ReportPool({ databaseUrl: join(dataDir, 'portal.db'), workers: 1 });
  runner = new ReportRunner({ db, executor: reportPool, settings: DEFAULT_QUEUE_SETTINGS, concurrency: 1, log: createLogger('silent'), pollMs: 200 });
  runner.start();

  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  provider = await startOidcProvider(portal.url, accounts);
  handler.fetch = createApp({
    db,
    log: createLogger('silent'),
    auth: {
      sessions: new WebSessionStore(db, { idleMinutes: 30 }),
      oidc: new OidcLogin({ publicUrl: portal.url, providers: { latvija: { issuer: provider.issuer, clientId: 'portal', clientSecret: OIDC_CLIENT_SECRET } } }),
      environment: 'development',
      publicUrl: portal.url,
    },
    staff: { seal: (facts) => pool.seal(facts), reports: { settings: DEFAULT_QUEUE_SETTINGS, notify: () => runner.notify() } },
  }).fetch;
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await provider?.close();
  await runner?.stop();
  await reportPool?.close();
  await pool?.close();
  await setup?.close();
  await handle?.db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

async function newContext(javaScriptEnabled = true): Promise<BrowserContext> {
  return browser.newContext({ javaScriptEnabled, bypassCSP: true, viewport: { width: 360, height: 740 }, acceptDownloads: true, locale: 'lv-LV' });
}

async function expectAccessible(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${page.url()} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), page.url()).toEqual([]);
}

async function signIn(page: Page, javaScriptEnabled = true): Promise<void> {
  await page.goto(`${portal.url}/staff/login`);
  if (javaScriptEnabled) await expectAccessible(page);
  await page.getByRole('link', { name: /Latvija\.lv/ }).click();
  await page.locator('input[name="login"]').fill('inese');
  await page.locator('input[name="password"]').fill('parole');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${portal.url}/staff/sessions`);
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await download.path())!);
}

describe('a school superuser in Chromium', () => {
  it(
    'opens a session, filters candidates and downloads every certificate as one ZIP',
    async () => {
      const context = await newContext();
      const page = await context.newPage();
      await signIn(page);
      await expectAccessible(page);
      await page.locator(`a[href^="/staff/sessions/${schoolA.sessionId}/candidates"]`).first().click();
      await page.waitForURL(new RegExp(`/staff/sessions/${schoolA.sessionId}/candidates`));
      await expectAccessible(page);
      const rows = await page.locator('table tbody tr').count();
      expect(rows).toBeGreaterThan(0);

      await page.getByRole('link', { name: 'Atbrīvotie' }).click();
      await page.waitForURL(/filter=exempted/);
      await expectAccessible(page);

      const zip = await downloaded(page, () => page.getByRole('link', { name: /Lejupielādēt sertifikātus/ }).click());
      const entries = unzipSync(new Uint8Array(zip));
      const expected = await handle.db
        .selectFrom('certificates')
        .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
        .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .select('certificates.number')
        .where('registrations.session_id', '=', schoolA.sessionId)
        .where('candidates.institution_id', '=', schoolA.id)
        .where('certificates.state', '=', 'issued')
        .execute();
      const edocs = Object.keys(entries).filter((name) => name.endsWith('.edoc'));
      expect(edocs.sort()).toEqual(expected.map((c) => `${c.number.replace('/', '-')}.edoc`).sort());
      const first = await verifyEdoc(entries[edocs[0]!]!, setup.trust);
      expect(first.genuine).toBe(true);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'requests a report, sees it complete without reloading, and downloads it',
    async () => {
      const context = await newContext();
      const page = await context.newPage();
      await signIn(page);
      await page.getByRole('link', { name: 'Pārskati' }).click();
      await page.waitForURL(`${portal.url}/staff/reports`);
      await expectAccessible(page);
      await page.locator('#report_type').check();
      await page.locator('#session').selectOption(String(schoolA.sessionId));
      await page.getByRole('button', { name: 'Pieprasīt datus' }).click();
      await page.waitForURL(/\/staff\/reports#report-\d+$/);
      const row = page.locator(new URL(page.url()).hash);
      // Mark the document: a reload would lose the mark, so seeing the result with it proves no reload happened.
      await page.evaluate(() => ((globalThis as unknown as { stillHere: boolean }).stillHere = true));
      await row.getByText('Pabeigts veiksmīgi').waitFor({ timeout: BROWSER_STEP_TIMEOUT_MS });
      expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      await expectAccessible(page);
      const file = await downloaded(page, () => row.getByRole('link', { name: /^Lejupielādēt/ }).click());
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(file as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const registered = await handle.db
        .selectFrom('registrations')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('registrations.session_id', '=', schoolA.sessionId)
        .where('candidates.institution_id', '=', schoolA.id)
        .executeTakeFirstOrThrow();
      expect(sheet.actualRowCount).toBe(2 + Number(registered.n));
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'does all of it without JavaScript too: filters, report request, and a reload shows the finished report',
    async () => {
      const context = await newContext(false);
      const page = await context.newPage();
      await signIn(page, false);
      await page.goto(`${portal.url}/staff/sessions/${schoolA.sessionId}/candidates`);
      await page.getByRole('link', { name: 'Atbrīvotie' }).click();
      await page.waitForURL(/filter=exempted/);
      await page.goto(`${portal.url}/staff/reports`);
      // The type first: without JavaScript its button loads the page with that type's fields.
      await page.locator('#report_type-graduates').check();
      await page.getByRole('button', { name: 'Rādīt šī pārskata laukus' }).click();
      await page.waitForURL(/report_type=graduates/);
      await page.locator('#format-csv').check();
      await page.locator('#selection_date').fill('2026-07-15');
      await page.locator('#education').check();
      await page.getByRole('button', { name: 'Pieprasīt datus' }).click();
      await page.waitForURL(/\/staff\/reports#report-\d+$/);
      const row = page.locator(new URL(page.url()).hash);
      for (let i = 0; i < 60 && !(await row.getByText('Pabeigts veiksmīgi').count()); i++) {
        await new Promise((r) => setTimeout(r, 500));
        await page.reload();
      }
      const file = await downloaded(page, () => row.getByRole('link', { name: /^Lejupielādēt/ }).click());
      // UTF-8 with a byte-order mark, so spreadsheet programs read the Latvian letters right.
      expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'reaches nothing of another school by any URL',
    async () => {
      const context = await newContext();
      const page = await context.newPage();
      await signIn(page);
      const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
      const paths = [
        `/staff/sessions?institution=${schoolB.id}`,
        `/staff/sessions/${schoolB.sessionId}/candidates?institution=${schoolB.id}`,
        `/staff/sessions/${schoolB.sessionId}/certificates.zip?institution=${schoolB.id}`,
      ];
      for (const path of paths) {
        const res = await page.request.get(`${portal.url}${path}`);
        expect(res.status(), path).toBe(404);
        expect(await res.text()).not.toContain(schoolB.name);
      }
      const reveal = await page.request.post(`${portal.url}/staff/sessions/${schoolB.sessionId}/candidates/${schoolB.registrationId}/reveal`, {
        form: { _csrf: csrf },
        headers: { origin: portal.url },
      });
      expect(reveal.status()).toBe(404);
      const report = await page.request.post(`${portal.url}/staff/reports`, {
        form: { _csrf: csrf, report_type: 'graduates', format: 'xlsx', selection_date: '2026-07-01', education: 'basic', institution: String(schoolB.id) },
        headers: { origin: portal.url },
      });
      expect(report.status()).toBe(404);
      // School B's session, asked for without naming B: only A's own candidates (none here), never B's.
      const candidates = await page.request.get(`${portal.url}/staff/sessions/${schoolB.sessionId}/candidates`);
      expect(await candidates.text()).not.toContain(schoolB.name);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
