/**
 * The staff tables in Chromium: the candidates, sessions and reports pages use the whole width of a wide screen,
 * fit a 360-px one without sideways scrolling and pass axe-core's WCAG 2.1 AA rules; the candidates' print view
 * prints the list's title and "page N of M" on every sheet (a real PDF, read back with pdftotext) with the header
 * row repeated; and with htmx, choosing a report type swaps its fields in without reloading the page.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { examSessionInScope } from '../../src/data/exam-sessions.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';

const SURNAMES = ['Zvaigzne', 'Žagars', 'Ābols', 'Avots', 'Čakste', 'Celms', 'Bērziņš', 'Ķēniņš', 'Ļaviņa', 'Ņikitins', 'Šteins', 'Ūdre', 'Ģērmanis', 'Īvāns'];

let test: TestDatabase;
let staff: StaffApp;
let portal: Listening;
let browser: Browser;
let school: SeededSession;
let schoolToken: string;
let agencyToken: string;
let dir: string;

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  const db = test.handle.db;
  // 150 candidates: several printed pages even with the compact print table.
  school = await seedSession(db, { examCode: 'ANGAL', candidates: 150, exempted: [3, 40] });
  await seedSession(db, { examCode: 'LAT09', candidates: 3 });
  for (const [i, code] of school.candidateCodes.entries()) {
    const candidate = await db.selectFrom('candidates').select('person_id').where('code', '=', code).executeTakeFirstOrThrow();
    await db
      .updateTable('persons')
      .set({ first_name: ['Anna', 'Ārija', 'Žanis'][i % 3]!, last_name: `${SURNAMES[i % SURNAMES.length]}-${i}` })
      .where('id', '=', candidate.person_id)
      .execute();
  }
  staff = createStaffApp(db, { clock: () => new Date('2026-07-10T10:00:00Z') });
  const token = (cookie: string) => cookie.replace(/^sid=/, '');
  schoolToken = token(await staff.cookieFor(await schoolUser(db, school.institutionId, 'browser-school')));
  agencyToken = token(await staff.cookieFor(await agencyUser(db, 'browser-agency')));
  portal = await serveFetch({ fetch: staff.app.fetch });
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'staff-print-'));
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await test?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signedIn(token: string, options: { width?: number; javaScriptEnabled?: boolean } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    bypassCSP: true,
    viewport: { width: options.width ?? 360, height: 740 },
    locale: 'lv-LV',
  });
  await context.addCookies([{ name: 'sid', value: token, url: portal.url }]);
  return context;
}

/** Sideways scrolling of the whole page, in CSS pixels (0 or less: none). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await overflow(page), `${page.url()} scrolls sideways`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), page.url()).toEqual([]);
}

describe('the staff tables in Chromium', () => {
  it(
    'fit a 360-px screen without sideways scrolling, pass axe-core, and take the whole width of a wide one',
    async () => {
      const candidates = `${portal.url}/staff/sessions/${school.sessionId}/candidates`;
      const pages = [
        `${portal.url}/staff/sessions`,
        candidates,
        `${candidates}?q=zagars`,
        `${candidates}?q=nekas`,
        `${candidates}?print=1`,
        `${portal.url}/staff/reports`,
        `${portal.url}/staff/reports?report_type=applications`,
        `${portal.url}/staff/reports?report_type=graduates&lang=en`,
      ];
      for (const token of [schoolToken, agencyToken]) {
        const context = await signedIn(token);
        const page = await context.newPage();
        for (const url of pages) {
          await page.goto(url);
          await expectAccessible(page);
        }
        // The agency's school search with no match: an error summary and a marked field, still accessible.
        if (token === agencyToken) {
          await page.goto(`${portal.url}/staff/sessions?school=Nekur`);
          await expectAccessible(page);
          expect(await page.locator('.error-summary a[href="#school"]').count()).toBe(1);
        }
        await context.close();
      }

      const wide = await signedIn(schoolToken, { width: 1600 });
      const page = await wide.newPage();
      for (const url of [candidates, `${portal.url}/staff/sessions`, `${portal.url}/staff/reports`]) {
        await page.goto(url);
        const [main, viewport] = await page.evaluate(() => {
          const doc = (
            globalThis as unknown as {
              document: { querySelector: (s: string) => { getBoundingClientRect: () => { width: number } }; documentElement: { clientWidth: number } };
            }
          ).document;
          return [doc.querySelector('main').getBoundingClientRect().width, doc.documentElement.clientWidth];
        });
        expect(main, url).toBe(viewport);
      }
      await wide.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'prints the candidates with the title and page numbers on every page, the header row repeated, many rows a page',
    async () => {
      const context = await signedIn(schoolToken, { width: 1280 });
      const page = await context.newPage();
      await page.goto(`${portal.url}/staff/sessions/${school.sessionId}/candidates?print=1`);
      await page.emulateMedia({ media: 'print' });
      const structure = await page.evaluate(() => {
        type Rule = { cssText: string; type: number; cssRules?: ArrayLike<Rule> };
        const doc = globalThis as unknown as {
          document: {
            styleSheets: ArrayLike<{ cssRules: ArrayLike<Rule> }>;
            querySelector: (s: string) => unknown;
          };
          getComputedStyle: (e: unknown) => { display: string; fontSize: string };
        };
        const pageRules = Array.from(doc.document.styleSheets)
          .flatMap((sheet) => Array.from(sheet.cssRules))
          .filter((rule) => rule.cssText.startsWith('@page'))
          .map((rule) => rule.cssText);
        return {
          pageRules,
          thead: doc.getComputedStyle(doc.document.querySelector('table.compact thead')).display,
          fontSize: doc.getComputedStyle(doc.document.querySelector('table.compact')).fontSize,
        };
      });
      expect(structure.pageRules.some((rule) => rule.includes('@top-left') && rule.includes('Kārtotāji: '))).toBe(true);
      expect(structure.pageRules.some((rule) => rule.includes('@bottom-right') && rule.includes('counter(page)') && rule.includes('counter(pages)'))).toBe(
        true,
      );
      expect(structure.thead).toBe('table-header-group');
      expect(parseFloat(structure.fontSize)).toBeLessThanOrEqual(10);

      // The real thing: Chromium's PDF, read back as text page by page.
      const pdf = join(dir, 'candidates.pdf');
      writeFileSync(pdf, await page.pdf({ preferCSSPageSize: true }));
      const { stdout } = await promisify(execFile)('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-']);
      const sheets = stdout.split('\f').filter((text) => text.trim() !== '');
      const session = (await examSessionInScope(test.handle.db, school.sessionId, school.institutionId))!;
      expect(sheets.length).toBeGreaterThanOrEqual(2);
      // 150 rows on few sheets: at least 40 rows a sheet.
      expect(sheets.length).toBeLessThanOrEqual(Math.ceil(150 / 40));
      for (const [i, text] of sheets.entries()) {
        expect(text, `sheet ${i + 1}`).toContain(`Kārtotāji: `);
        expect(text, `sheet ${i + 1}`).toContain(session.examCode);
        expect(text, `sheet ${i + 1}`).toContain(`${i + 1}. lapa no ${sheets.length}`);
        expect(text, `sheet ${i + 1}: the header row`).toMatch(/Personas kods/);
      }
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'swaps the chosen report type’s fields in place with htmx, without reloading the page',
    async () => {
      const context = await signedIn(schoolToken);
      const page = await context.newPage();
      await page.goto(`${portal.url}/staff/reports`);
      await page.evaluate(() => ((globalThis as unknown as { stillHere: boolean }).stillHere = true));
      expect(await page.locator('#session').count()).toBe(1);
      await page.locator('#report_type-graduates').check();
      await page.locator('#selection_date').waitFor();
      expect(await page.locator('#session').count()).toBe(0);
      expect(await page.locator('input[type="hidden"][name="report_type"]').getAttribute('value')).toBe('graduates');
      await page.locator('#report_type-applications').check();
      await page.locator('#from').waitFor();
      expect(await page.locator('#selection_date').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
      await expectAccessible(page);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
