/**
 * The results-day lobby in Chromium at 320 px, with and without JavaScript, on a clock that starts seconds before
 * the release moment and then runs: the lobby says the moment and the time left, holds nothing of the result,
 * passes axe-core, reflows, stays under 15 KB; and, left alone, the page opens the results by itself after the
 * moment (the meta refresh without JavaScript; with it, the countdown runs too); the student can turn that off.
 */
import type { MiddlewareHandler } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchChromium } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { seedResultStates, type ResultStatePeople } from '../support/result-states.js';

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Līga Bērziņa', csrfToken: 'x', provider: 'test' });
  await next();
};

/** 2025/26 secondary results: 3 July 2026 09:00 in Riga. */
const MOMENT = Date.parse('2026-07-03T06:00:00Z');

let test: TestDatabase;
let portal: Listening;
let browser: Browser;
let ids: ResultStatePeople;
let number: string;
/** The simulated clock: a start, then real time runs on from when `startClock` was called. */
let clockStart = MOMENT - 3600_000;
let realStart = Date.now();
const startClock = (at: number) => {
  clockStart = at;
  realStart = Date.now();
};

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  const seeded = await seedResultStates(test.handle.db);
  ids = seeded.ids;
  number = seeded.kumal.candidateCodes[0]!;
  portal = await serveFetch({
    fetch: createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      student: {
        requireStudent: testSignIn,
        clock: () => new Date(clockStart + (Date.now() - realStart)),
        // A short spread keeps the test short; the rule is the same as with the default minute.
        lobby: { lobbyMs: 60 * 60_000, spreadMs: 3000, keepAliveMs: 15 * 60_000 },
      },
    }).fetch,
  });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await test?.close();
});

async function sideways(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

for (const javaScriptEnabled of [true, false]) {
  describe(`the lobby at 320 px in Chromium, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    it(
      'says when and how long, in both languages, accessibly and under 15 KB, with nothing of the result',
      async () => {
        startClock(MOMENT - 42 * 60_000);
        const context = await browser.newContext({
          javaScriptEnabled,
          bypassCSP: true,
          viewport: { width: 320, height: 640 },
          extraHTTPHeaders: { 'x-test-person': String(ids.get('result')) },
        });
        const page = await context.newPage();
        try {
          const transfers: { bytes: number; type: string }[] = [];
          page.on('requestfinished', async (request) => {
            const sizes = await request.sizes();
            transfers.push({ bytes: sizes.responseBodySize + sizes.responseHeadersSize, type: request.resourceType() });
          });
          await page.goto(`${portal.url}/results`, { waitUntil: 'load' });
          await page.waitForLoadState('networkidle');
          const total = transfers.reduce((sum, t) => sum + t.bytes, 0);
          expect(total, JSON.stringify(transfers)).toBeLessThanOrEqual(15 * 1024);
          expect(transfers.map((t) => t.type).sort()).toEqual(javaScriptEnabled ? ['document', 'script', 'stylesheet'] : ['document', 'stylesheet']);
          for (const lang of ['lv', 'en'] as const) {
            await page.goto(`${portal.url}/results?lang=${lang}`);
            const text = await page.locator('main').innerText();
            expect(text).toContain(lang === 'lv' ? 'Rezultāti drīz būs pieejami' : 'Your results are almost here');
            expect(text).toContain('03.07.2026 09:00');
            expect(text).toMatch(/4[12] min/);
            expect(text).toContain(lang === 'lv' ? 'Šī lapa pati atvērs jūsu rezultātus' : 'This page opens your results by itself');
            expect(await page.content()).not.toContain(number);
            expect(await sideways(page), `${lang} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
            if (javaScriptEnabled) {
              // The countdown runs: seconds appear and move on.
              const first = await page.locator('#lobby-time-left').innerText();
              await page.waitForFunction(
                (before) =>
                  (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } | null } }).document.getElementById(
                    'lobby-time-left',
                  )?.textContent !== before,
                first,
                { timeout: 10_000 },
              );
              expect(await page.locator('#lobby-time-left').innerText()).toMatch(/^4[01] min \d+ s$/);
              // axe-core reports every timed refresh under 20 hours (WCAG 2.2.1); this one is announced and the
              // student can turn it off before it comes, which is what 2.2.1 asks and what axe cannot see. So: that
              // rule alone, and nothing at all once it is turned off.
              expect(
                (await axeViolations(page)).map((v) => v.id),
                lang,
              ).toEqual(['meta-refresh']);
            }
            await page.getByRole('link', { name: lang === 'lv' ? 'Neatvērt rezultātus automātiski' : 'Do not open my results by themselves' }).click();
            await page.waitForURL(/refresh=off/);
            expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
            expect(await page.locator('main').innerText()).toContain(lang === 'lv' ? 'Automātiskā atvēršana ir izslēgta' : 'Opening by itself is turned off');
            expect(await sideways(page)).toBeLessThanOrEqual(0);
            if (javaScriptEnabled) expect(await axeViolations(page), lang).toEqual([]);
          }
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'opens the results by itself after the moment',
      async () => {
        startClock(MOMENT - 4000);
        const context = await browser.newContext({
          javaScriptEnabled,
          viewport: { width: 320, height: 640 },
          extraHTTPHeaders: { 'x-test-person': String(ids.get('result')) },
        });
        const page = await context.newPage();
        try {
          await page.goto(`${portal.url}/results`);
          expect(await page.content()).not.toContain(number);
          // Nothing is clicked: the refresh the server timed brings the results (within 4 s + the 3-s spread).
          await page.locator('.total').first().waitFor({ timeout: 60_000 });
          expect(await page.content()).toContain(number);
          expect(await page.locator('#lobby-time-left').count()).toBe(0);
        } finally {
          await context.close();
        }
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });
}
