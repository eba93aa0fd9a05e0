/**
 * The verification page in Chromium: each verdict reached through the real form, announced by a focused heading,
 * with no horizontal scroll at 320 px and no axe-core WCAG 2.1 AA violation; a file that is no .edoc sent back as
 * a form error whose summary links to the field; the English switch after a check; and the printout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { verdictFiles, type VerdictFiles } from '../support/verdict-files.js';

let test: TestDatabase;
let dataDir: string;
let setup: SealingSetup;
let portal: Listening;
let browser: Browser;
let files: VerdictFiles;

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  dataDir = mkdtempSync(join(tmpdir(), 'verify-browser-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
  files = await verdictFiles(test.handle.db, setup);
  portal = await serveFetch({ fetch: createApp({ db: test.handle.db, log: createLogger('silent'), trust: setup.trust }).fetch });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await setup?.close();
  await test?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function newContext(width: number): Promise<BrowserContext> {
  // bypassCSP lets the test inject axe-core; the portal's own pages carry no script.
  return browser.newContext({ bypassCSP: true, viewport: { width, height: 740 }, locale: 'lv-LV' });
}

async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** Fits 320 px without scrolling sideways, and passes axe-core's WCAG 2.1 A and AA rules. */
async function expectReflowAndAccessible(page: Page, what: string): Promise<void> {
  expect(await sidewaysOverflow(page), `${what} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), what).toEqual([]);
}

async function uploadFile(page: Page, bytes: Uint8Array, name: string, lang: 'lv' | 'en' = 'lv'): Promise<void> {
  await page.goto(`${portal.url}/verify?lang=${lang}`);
  await page.locator('#edoc').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await page.getByRole('button', { name: lang === 'lv' ? 'Pārbaudīt datni' : 'Check the file' }).click();
  await page.waitForLoadState('load');
}

/** The id of the focused element: the verdict's heading must have it, so a screen reader reads it first. */
function focusedId(page: Page): Promise<string | undefined> {
  return page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id?: string } | null } }).document.activeElement?.id);
}

describe('the verification page in Chromium at 320 px', () => {
  it('fits the form at 320 px and passes axe-core, in both languages', async () => {
    const context = await newContext(320);
    const page = await context.newPage();
    try {
      for (const lang of ['lv', 'en']) {
        await page.goto(`${portal.url}/verify?lang=${lang}`);
        await expectReflowAndAccessible(page, `the form (${lang})`);
      }
    } finally {
      await context.close();
    }
  });

  for (const lang of ['lv', 'en'] as const) {
    it(`shows each verdict as a focused heading, fits 320 px and passes axe-core (${lang})`, async () => {
      const context = await newContext(320);
      const page = await context.newPage();
      const titles =
        lang === 'lv'
          ? { valid: 'Īsts un derīgs', annulled: 'Īsts, bet ANULĒTS', tampered: 'Nav īsts', other: 'Nav sertifikāta datne' }
          : { valid: 'Genuine and valid', annulled: 'Genuine but ANNULLED', tampered: 'Not genuine', other: 'Not a certificate file' };
      try {
        for (const [key, bytes] of [
          ['valid', files.valid],
          ['annulled', files.annulled],
          ['tampered', files.tampered],
          ['other', files.otherDocument],
        ] as const) {
          await uploadFile(page, bytes, 'sertifikats.edoc', lang);
          const heading = page.getByRole('heading', { level: 1 });
          expect((await heading.textContent())?.trim()).toContain(titles[key]);
          expect(await focusedId(page)).toBe('verdict');
          // The technical details are there, folded away.
          expect(await page.locator('details.verify-technical').evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
          await expectReflowAndAccessible(page, `${key} (${lang})`);
        }

        // A number check that finds nothing.
        await page.goto(`${portal.url}/verify?lang=${lang}`);
        await page.locator('#number').fill(files.validNumber);
        await page.locator('#code').fill(files.session.personalCodes[1]!);
        await page.getByRole('button', { name: lang === 'lv' ? 'Pārbaudīt' : 'Check', exact: true }).click();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(lang === 'lv' ? 'Sertifikāts nav atrasts' : 'No certificate found');
        await expectReflowAndAccessible(page, `not found (${lang})`);
      } finally {
        await context.close();
      }
    });
  }

  it('sends a PDF, a photo and random bytes back as an error on the upload field, linked from the summary', async () => {
    const context = await newContext(320);
    const page = await context.newPage();
    try {
      for (const [bytes, name] of [
        [files.pdf, 'sertifikats.pdf'],
        [files.photo, 'foto.png'],
        [files.randomBytes, 'sertifikats.edoc'],
      ] as const) {
        await uploadFile(page, bytes, name);
        expect(await page.title()).toMatch(/^Kļūda: Sertifikāta pārbaude/);
        const link = page.locator('.error-summary a');
        expect(await link.textContent()).toContain('Šī nav .edoc datne.');
        expect(await link.getAttribute('href')).toBe('#edoc');
        expect(await page.locator('#edoc-error').textContent()).toContain('Palūdziet sertifikāta īpašniekam .edoc datni');
        expect(await focusedId(page)).not.toBe('verdict');
        await expectReflowAndAccessible(page, `${name} sent back`);
        await link.click();
        expect(new URL(page.url()).hash).toBe('#edoc');
      }
    } finally {
      await context.close();
    }
  });

  it('keeps the number and the personal code typed after an error, and takes the number in the file-name form', async () => {
    const context = await newContext(320);
    const page = await context.newPage();
    try {
      await page.goto(`${portal.url}/verify`);
      await page.locator('#number').fill('2026/123-KUMAL');
      await page.locator('#code').fill(files.validPersonalCode);
      await page.getByRole('button', { name: 'Pārbaudīt', exact: true }).click();
      expect(await page.title()).toMatch(/^Kļūda: /);
      expect(await page.locator('#number').inputValue()).toBe('2026/123-KUMAL');
      expect(await page.locator('#code').inputValue()).toBe(files.validPersonalCode);
      expect(await page.locator('.error-summary a').getAttribute('href')).toBe('#number');
      await expectReflowAndAccessible(page, 'the number form sent back');

      // Corrected to the form the download's file name carries.
      await page.locator('#number').fill(files.validNumber.replace('/', '-'));
      await page.getByRole('button', { name: 'Pārbaudīt', exact: true }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Īsts un derīgs');
    } finally {
      await context.close();
    }
  });

  it('switches to English after a check without a 404, and offers "check another"', async () => {
    const context = await newContext(360);
    const page = await context.newPage();
    try {
      await page.goto(`${portal.url}/verify`);
      await page.locator('#number').fill(files.validNumber);
      await page.locator('#code').fill(files.validPersonalCode);
      await page.getByRole('button', { name: 'Pārbaudīt', exact: true }).click();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Īsts un derīgs');
      const response = await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'English' }).click()]).then(([r]) => r);
      expect(response?.status()).toBe(200);
      expect(await page.locator('h1').textContent()).toBe('Check a certificate');
      expect(new URL(page.url()).search).not.toContain(files.validPersonalCode);

      await uploadFile(page, files.valid, 'sertifikats.edoc', 'en');
      await page.getByRole('link', { name: 'Check another certificate' }).click();
      expect(await page.locator('h1').textContent()).toBe('Check a certificate');
    } finally {
      await context.close();
    }
  });

  it('prints the verdict, the facts and the time of the check, without navigation, forms or technical details', async () => {
    const context = await newContext(360);
    const page = await context.newPage();
    try {
      await uploadFile(page, files.annulled, 'sertifikats.edoc');
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.verdict').isVisible()).toBe(true);
      expect(await page.locator('.verify-facts').first().isVisible()).toBe(true);
      expect(await page.locator('.verify-checked').isVisible()).toBe(true);
      expect(await page.locator('.verify-checked').textContent()).toMatch(/Pārbaudīts \d\d\.\d\d\.\d{4} \d\d:\d\d/);
      for (const hidden of ['header.site', 'footer.site', '.verify-actions', 'details.verify-technical']) {
        expect(await page.locator(hidden).isVisible(), hidden).toBe(false);
      }
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await context.close();
    }
  });
});
