/**
 * The results page in every state, in Chromium at 320 px (WCAG 1.4.10 reflow: nothing scrolls sideways), in
 * Latvian and English, with and without JavaScript: axe-core finds no WCAG 2.1 A/AA violation, each state's
 * explanation and the contact are on screen, the certificate number wraps instead of widening the page, and a
 * first visit stays under 15 KB with no script.
 */
import type { MiddlewareHandler } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchChromium } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { RESULT_STATES_NOW, seedResultStates, type ResultStatePeople, type ResultStatePerson } from '../support/result-states.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

// Sign-in is tested in student.test.ts; here a header names the signed-in person.
const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Līga Bērziņa', csrfToken: 'x', provider: 'test' });
  await next();
};

let test: TestDatabase;
let sealing: TestSealing;
let portal: Listening;
let browser: Browser;
let ids: ResultStatePeople;
let annulledNumber: string;

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  const seeded = await seedResultStates(test.handle.db);
  ids = seeded.ids;
  annulledNumber = `2026/${seeded.kumal.candidateCodes[4]}-KUMAL`;
  sealing = await startTestSealing(1);
  portal = await serveFetch({
    fetch: createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      student: { requireStudent: testSignIn, seal: (facts) => sealing.pool.seal(facts), clock: () => RESULT_STATES_NOW },
    }).fetch,
  });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await sealing?.close();
  await test?.close();
});

async function sideways(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/** What each state must say on screen, in each language (the start of its explanation). */
const SAYS: Record<ResultStatePerson, { lv: string; en: string }> = {
  result: { lv: 'Rezultāti būs pieejami 02.07.2027 11:30', en: 'Results will be available from 02.07.2027 11:30' },
  partly: { lv: 'Jūs piedalījāties tikai daļā eksāmena.', en: 'You took part in only some parts of the exam.' },
  absent: { lv: 'to var kārtot papildtermiņā', en: 'you may take it in the additional term' },
  'work-annulled': { lv: 'Eksāmenā izmantoti neatļauti palīglīdzekļi', en: 'Annulled on 20.06.2026.' },
  'certificate-annulled': { lv: 'Kļūda vērtējumā', en: 'Annulled on 08.07.2026.' },
  'exempted-female': { lv: 'Jūs esat atbrīvota no šī eksāmena.', en: 'You have been exempted from this exam.' },
  'exempted-male': { lv: 'Jūs esat atbrīvots no šī eksāmena.', en: 'You have been exempted from this exam.' },
  international: { lv: 'IELTS Academic C1', en: 'An international language certificate replaces this exam' },
};

for (const javaScriptEnabled of [true, false]) {
  describe(`the results page at 320 px in Chromium, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    it(
      'shows every state in both languages without sideways scrolling, accessibly, with the contact',
      async () => {
        for (const [who, person] of ids) {
          const context = await browser.newContext({
            javaScriptEnabled,
            bypassCSP: true,
            viewport: { width: 320, height: 640 },
            extraHTTPHeaders: { 'x-test-person': String(person) },
          });
          const page = await context.newPage();
          try {
            for (const lang of ['lv', 'en'] as const) {
              await page.goto(`${portal.url}/results?lang=${lang}`);
              const text = await page.locator('main').innerText();
              expect(text, `${who} ${lang}`).toContain(SAYS[who][lang]);
              if (who !== 'result') expect(text, `${who} ${lang}`).toContain(DEVELOPMENT_CONTACT.email);
              expect(await sideways(page), `${who} ${lang} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
              if (javaScriptEnabled) expect(await axeViolations(page), `${who} ${lang}`).toEqual([]);
            }
          } finally {
            await context.close();
          }
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'wraps the certificate number inside the screen, keeps the downloads on it, and opens the .edoc help',
      async () => {
        const context = await browser.newContext({
          javaScriptEnabled,
          bypassCSP: true,
          viewport: { width: 320, height: 640 },
          extraHTTPHeaders: { 'x-test-person': String(ids.get('result')) },
        });
        const page = await context.newPage();
        try {
          await page.goto(`${portal.url}/results`);
          for (const selector of ['.certificate-number', 'a.download', 'a.view-pdf', 'a.edoc-help']) {
            const box = (await page.locator(selector).first().boundingBox())!;
            expect(box.x + box.width, `${selector} ends inside the screen`).toBeLessThanOrEqual(320);
          }
          expect(await page.locator('a.view-pdf').first().innerText()).toContain('PDF kopiju (tikai apskatei)');
          await page.locator('a.edoc-help').first().click();
          await page.waitForURL(/\/help\/edoc$/);
          expect(await page.locator('h1').innerText()).toBe('Kas ir .edoc fails un kā to atvērt');
          expect(await sideways(page)).toBeLessThanOrEqual(0);
          if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
          await page.goto(`${portal.url}/help/edoc?lang=en`);
          expect(await page.locator('h1').innerText()).toBe('What an .edoc file is and how to open it');
          if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'has no download for an annulled certificate',
      async () => {
        const context = await browser.newContext({
          javaScriptEnabled,
          viewport: { width: 320, height: 640 },
          extraHTTPHeaders: { 'x-test-person': String(ids.get('certificate-annulled')) },
        });
        const page = await context.newPage();
        try {
          await page.goto(`${portal.url}/results`);
          expect(await page.locator('main').innerText()).toContain(annulledNumber);
          expect(await page.locator('a.download, a.view-pdf').count()).toBe(0);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'transfers under 15 KB on a first visit with an empty cache, and loads no script',
      async () => {
        const context = await browser.newContext({
          javaScriptEnabled,
          viewport: { width: 320, height: 640 },
          extraHTTPHeaders: { 'x-test-person': String(ids.get('result')) },
        });
        const page = await context.newPage();
        try {
          const transfers: { url: string; bytes: number; type: string }[] = [];
          page.on('requestfinished', async (request) => {
            const sizes = await request.sizes();
            transfers.push({ url: request.url(), bytes: sizes.responseBodySize + sizes.responseHeadersSize, type: request.resourceType() });
          });
          await page.goto(`${portal.url}/results`, { waitUntil: 'load' });
          await page.waitForLoadState('networkidle');
          expect(transfers.map((t) => t.type).sort()).toEqual(['document', 'stylesheet']);
          const total = transfers.reduce((sum, t) => sum + t.bytes, 0);
          expect(total, JSON.stringify(transfers)).toBeLessThanOrEqual(15 * 1024);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });
}
