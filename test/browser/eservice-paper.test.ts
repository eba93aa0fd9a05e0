/**
 * The e-service's paper request in Chromium: every e-service page reflows at 320 px without sideways scrolling
 * and passes axe-core (WCAG 2.1 AA), in Latvian and English; the postal address is shown only when post is
 * chosen (without script, by CSS); the error summary's link leads to the postcode field; with script, a warning
 * is announced before the session ends; and a form sent after the end comes back filled in when the person
 * opens the e-service again.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import {
  AUDIENCE,
  ISSUER,
  MAX_TOKEN_SECONDS,
  seedEserviceRegister,
  signingKey,
  token,
  verifierFor,
  type EserviceRegister,
  type SigningKey,
} from '../eservice/fixture.js';

let test: TestDatabase;
let register: EserviceRegister;
let key: SigningKey;
let portal: Listening;
let browser: Browser;
/** How far the portal's clock is moved from the real one: sessions end without waiting 15 minutes. */
let shiftMs = 0;

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  register = await seedEserviceRegister(test.handle.db);
  key = await signingKey();
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  handler.fetch = createApp({
    db: test.handle.db,
    log: createLogger('silent'),
    eservice: {
      verify: verifierFor(test.handle.db, key, () => new Date()),
      origins: [],
      publicUrl: portal.url,
      token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
      clock: () => new Date(Date.now() + shiftMs),
    },
  }).fetch;
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await test?.close();
});

const open = async (page: Page, personalCode: string, lang: string, represented?: string) =>
  page.goto(
    `${portal.url}/eservice/certificates?lang=${lang}&token=${await token(key, { personalCode, now: new Date(), ...(represented ? { represented } : {}) })}`,
  );

/** No sideways scrolling at the page's width, and no WCAG 2.1 A/AA violation. */
async function expectReflowsAndAccessible(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${what} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), what).toEqual([]);
}

const paperLink = (page: Page, number: string) =>
  page
    .locator('li.certificate')
    .filter({ hasText: number })
    .getByRole('link', { name: /papīra|paper/ });

describe('the e-service paper request in Chromium', () => {
  it(
    'reflows at 320 px and passes axe-core on every e-service page, in both languages',
    async () => {
      // bypassCSP lets the test inject axe-core (which needs JavaScript; the pages themselves do not).
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 } });
      const page = await context.newPage();
      try {
        for (const [lang, number] of [
          ['lv', register.numbers.lat09Of2022],
          ['en', register.numbers.kumalOf2025],
        ] as const) {
          await open(page, register.holder.personalCode, lang);
          await expectReflowsAndAccessible(page, `list ${lang}`);
          await paperLink(page, number).click();
          await expectReflowsAndAccessible(page, `form ${lang}`);

          // Post chosen: the address is there; pick-up chosen: it is hidden, by CSS alone.
          expect(await page.locator('#line1').isVisible()).toBe(true);
          await page.locator('#delivery-pickup').check();
          expect(await page.locator('#line1').isVisible()).toBe(false);
          await page.locator('#delivery').check();
          expect(await page.locator('#line1').isVisible()).toBe(true);

          await page.locator('#line1').fill('Brīvības iela 10-5');
          await page.locator('#city').fill('Rīga');
          await page.locator('#postcode').fill('10500');
          await page.getByRole('button', { name: /Turpināt|Continue/ }).click();
          expect(await page.title()).toMatch(/^(Kļūda|Error):/);
          await expectReflowsAndAccessible(page, `form with errors ${lang}`);
          await page.locator('.error-summary a[href="#postcode"]').click();
          expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe(
            'postcode',
          );

          await page.locator('#postcode').fill('LV-1050');
          await page.getByRole('button', { name: /Turpināt|Continue/ }).click();
          await expectReflowsAndAccessible(page, `review ${lang}`);
          await page.getByRole('button', { name: /Apstiprināt|Confirm/ }).click();
          const reference = await page.locator('.confirmation-panel .reference').textContent();
          expect(reference).toMatch(/^P-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
          await expectReflowsAndAccessible(page, `confirmation ${lang}`);
          await page.getByRole('link', { name: /Atpakaļ|Back/ }).click();
          expect(await page.locator('li.certificate').filter({ hasText: number }).locator('.reference').textContent()).toBe(reference);
          await expectReflowsAndAccessible(page, `list with a request ${lang}`);
        }

        // A representative's pages, with the banner.
        await open(page, register.parentCode, 'lv', register.child.personalCode);
        expect(await page.locator('.represented-name').textContent()).toBe(`${register.child.firstName} ${register.child.lastName}`);
        await expectReflowsAndAccessible(page, 'representative list');
        await paperLink(page, register.numbers.childLat09).click();
        expect(await page.locator('.represented-name').textContent()).toBe(`${register.child.firstName} ${register.child.lastName}`);
        await expectReflowsAndAccessible(page, 'representative form');

        // A refusal.
        await page.goto(`${portal.url}/eservice/certificates?token=forged`);
        await expectReflowsAndAccessible(page, 'refusal');
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows the postal address only for post and files a pick-up request with JavaScript switched off',
    async () => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 320, height: 640 } });
      const page = await context.newPage();
      try {
        // The holder's own certificates were asked for above; a parent asks for their child's.
        await open(page, register.parentCode, 'lv', register.child.personalCode);
        await paperLink(page, register.numbers.childLat09).click();
        expect(await page.locator('#postcode').isVisible()).toBe(true);
        await page.locator('#delivery-pickup').check();
        expect(await page.locator('#postcode').isVisible()).toBe(false);
        await page.getByRole('button', { name: 'Turpināt' }).click();
        expect(await page.locator('h1').textContent()).toBe('Pārbaudiet un apstipriniet pieprasījumu');
        await page.getByRole('button', { name: 'Apstiprināt pieprasījumu' }).click();
        expect(await page.locator('.confirmation-panel .reference').textContent()).toMatch(/^P-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'warns before the session ends, keeps the typing after it ended, and gives it back to the same person',
    async () => {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 320, height: 640 }, locale: 'lv-LV' });
      const page = await context.newPage();
      try {
        // The session opens 13 minutes "ago": it ends in two minutes, inside the warning time.
        shiftMs = -13 * 60_000;
        await open(page, register.other.personalCode, 'lv');
        await paperLink(page, register.numbers.otherKumal).click();
        const warning = page.locator('#session-warning');
        expect(await warning.getAttribute('aria-live')).toBe('assertive');
        await expect.poll(() => warning.textContent()).toContain('Sesija beigsies pēc dažām minūtēm');
        await expectReflowsAndAccessible(page, 'form with the warning');

        await page.locator('#line1').fill('Skolas iela 3');
        await page.locator('#city').fill('Valmiera');
        await page.locator('#postcode').fill('LV-4201');
        // Meanwhile the session ends.
        shiftMs = 3 * 60_000;
        await page.getByRole('button', { name: 'Turpināt' }).click();
        expect(await page.locator('h1').textContent()).toBe('Sesija ir beigusies; ierakstītais ir saglabāts');
        await expectReflowsAndAccessible(page, 'draft kept');

        // Back from Latvija.lv: the form is filled in.
        shiftMs = 0;
        await open(page, register.other.personalCode, 'lv');
        await page
          .locator('li.certificate')
          .filter({ hasText: register.numbers.otherKumal })
          .getByRole('link', { name: /Turpināt papīra kopijas pieprasījumu/ })
          .click();
        expect(await page.locator('#line1').inputValue()).toBe('Skolas iela 3');
        expect(await page.locator('#city').inputValue()).toBe('Valmiera');
        expect(await page.locator('#postcode').inputValue()).toBe('LV-4201');
        await expectReflowsAndAccessible(page, 'restored form');
      } finally {
        shiftMs = 0;
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
