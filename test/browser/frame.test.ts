/**
 * The government frame in Chromium: the header keeps to one line on a 360-px (and 320-px) phone, nothing scrolls
 * sideways at 320 px, and axe-core finds no WCAG 2.1 A/AA violation on the home page, the sign-in page, the info
 * pages, the signed-out page, the refusal from abroad and the overload page; the overload page fetches nothing
 * the overload guard would refuse.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { generateDemo } from '../../src/data/demo.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchChromium } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';

let test: TestDatabase;
let portal: Listening;
let abroad: Listening;
let busy: Listening;
let browser: Browser;

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  await generateDemo(test.handle.db, { students: 20, seed: 3 });
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  const auth = {
    sessions: new WebSessionStore(test.handle.db, { idleMinutes: 30 }),
    // The provider is never contacted: the test signs in with the development demo sign-in.
    oidc: new OidcLogin({ publicUrl: portal.url, providers: { eklase: { issuer: 'http://127.0.0.1:9/', clientId: 'portal', clientSecret: 'x' } } }),
    environment: 'development' as const,
    publicUrl: portal.url,
  };
  handler.fetch = createApp({ db: test.handle.db, log: createLogger('silent'), auth }).fetch;
  // Behind a proxy (127.0.0.1), with private addresses refused as in production: visited from abroad.
  abroad = await serveFetch({
    fetch: createApp({ db: test.handle.db, log: createLogger('silent'), trustedProxies: ['127.0.0.1'], allowPrivateAddresses: false }).fetch,
  });
  // Every page request refused as if overloaded (static files never are).
  busy = await serveFetch({ fetch: createApp({ db: test.handle.db, log: createLogger('silent'), overload: { maxLagMs: 60_000, maxInFlight: 0 } }).fetch });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await abroad?.close();
  await busy?.close();
  await test?.close();
});

const newContext = (width: number): Promise<BrowserContext> => browser.newContext({ bypassCSP: true, viewport: { width, height: 740 }, locale: 'lv-LV' });

/** How far the page scrolls sideways (0 when it fits). */
const sidewaysScroll = (page: Page) =>
  page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });

/** The header's identity bar: its height, and whether each of its texts sits on one line at the same height. */
const headerLayout = (page: Page) =>
  page.evaluate(() => {
    interface Box {
      top: number;
      bottom: number;
      height: number;
    }
    interface El {
      getClientRects(): ArrayLike<Box>;
      getBoundingClientRect(): Box;
      offsetParent: unknown;
    }
    const doc = (globalThis as unknown as { document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> } }).document;
    const bar = doc.querySelector('header .bar') ?? doc.querySelector('header')!;
    const texts = Array.from(doc.querySelectorAll('header .bar .brand > span > span, header .bar .service, header .bar .switch, header .brand > span')).filter(
      (el) => el.offsetParent !== null && el.getBoundingClientRect().height > 1,
    );
    return {
      height: bar.getBoundingClientRect().height,
      // A text's line boxes (a ::after separator is a box of its own): distinct tops mean it wrapped.
      lines: texts.map((el) => new Set(Array.from(el.getClientRects()).map((box) => Math.round(box.top / 6))).size),
      centres: texts.map((el) => {
        const box = el.getBoundingClientRect();
        return (box.top + box.bottom) / 2;
      }),
    };
  });

async function expectFramed(page: Page, what: string, width: number): Promise<void> {
  expect(await sidewaysScroll(page), `${what} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
  const header = await headerLayout(page);
  expect(header.lines.length, `${what}: header texts`).toBeGreaterThan(0);
  for (const lines of header.lines) expect(lines, `${what}: a header text wraps at ${width} px`).toBe(1);
  expect(Math.max(...header.centres) - Math.min(...header.centres), `${what}: header texts on different lines`).toBeLessThan(12);
  // One line of text and its padding: two lines would be well over 64 px.
  expect(header.height, `${what}: header height at ${width} px`).toBeLessThanOrEqual(64);
  expect(await page.locator('footer').textContent()).toMatch(/eksameni@viaa\.example\.lv|E-pasts/);
}

describe('the frame in Chromium', () => {
  it(
    'keeps the header on one line and nothing sideways at 360 and 320 px, with no axe violations, on every anonymous page',
    async () => {
      for (const width of [360, 320]) {
        const context = await newContext(width);
        const page = await context.newPage();
        try {
          for (const path of [
            '/',
            '/?lang=en',
            '/login',
            '/accessibility',
            '/privacy',
            '/cookies',
            '/cookies?lang=en',
            '/signed-out',
            '/staff/login',
            '/no-such-page',
          ]) {
            await page.goto(`${portal.url}${path}`);
            await expectFramed(page, path, width);
            if (width === 320) expect(await axeViolations(page), path).toEqual([]);
          }
        } finally {
          await context.close();
        }
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'shows the signed-out page after signing out, framed and accessible',
    async () => {
      const context = await newContext(320);
      const page = await context.newPage();
      try {
        await page.goto(`${portal.url}/login`);
        // The provider choices are buttons in a row, not a bulleted list.
        expect(await page.locator('.sign-in a.button').first().textContent()).toBe('Pieslēgties ar E-klasi');
        expect(await page.locator('ul.sign-in').count()).toBe(0);
        await page.locator('form[action="/login/demo"] button').first().click();
        await page.waitForURL(`${portal.url}/results`);
        // Signed in: the identity bar still keeps to one line; the account row is below it.
        await page.goto(`${portal.url}/`);
        expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
        const header = await headerLayout(page);
        for (const lines of header.lines) expect(lines).toBe(1);
        await page.getByRole('button', { name: 'Iziet' }).click();
        await page.waitForURL(`${portal.url}/signed-out`);
        expect(await page.locator('h1').textContent()).toBe('Jūs esat izgājuši no portāla');
        expect(await page.getByRole('button', { name: 'Iziet' }).count()).toBe(0);
        await expectFramed(page, '/signed-out after sign-out', 320);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'frames the refusal from abroad: one-line header, nothing sideways at 320 px, no axe violations',
    async () => {
      const context = await newContext(320);
      const page = await context.newPage();
      try {
        await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '8.8.8.8' });
        const response = await page.goto(`${abroad.url}/login`);
        expect(response?.status()).toBe(403);
        await expectFramed(page, 'geo refusal', 320);
        expect(await axeViolations(page)).toEqual([]);
        // The home page stays open from abroad, and warns before "sign in".
        await page.goto(`${abroad.url}/`);
        expect(await page.locator('.warning.abroad h3').textContent()).toBe('Jūs, šķiet, atrodaties ārpus Baltijas valstīm');
        await expectFramed(page, 'home from abroad', 320);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'gives the overload page the frame, no refused extra request, no sideways scroll and no axe violations',
    async () => {
      const context = await newContext(320);
      const page = await context.newPage();
      try {
        const responses: { url: string; status: number }[] = [];
        page.on('response', (res) => responses.push({ url: res.url(), status: res.status() }));
        const response = await page.goto(`${busy.url}/`);
        expect(response?.status()).toBe(503);
        expect(Number(response?.headers()['retry-after'])).toBeGreaterThanOrEqual(10);
        // Nothing else was asked of the busy server: no favicon or stylesheet request met a 503.
        await page.waitForLoadState('load');
        expect(responses.filter((r) => r.url !== `${busy.url}/`)).toEqual([]);
        expect(await page.locator('h1').textContent()).toBe('Lapa uz brīdi nav pieejama');
        expect(await page.getByRole('link', { name: 'Mēģināt vēlreiz' }).count()).toBe(1);
        expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
        const header = await headerLayout(page);
        for (const lines of header.lines) expect(lines).toBe(1);
        expect(header.height).toBeLessThanOrEqual(64);
        expect(await axeViolations(page)).toEqual([]);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
