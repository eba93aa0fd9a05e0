/**
 * The waiting room's page and the agency's results-day page in Chromium: no axe-core WCAG 2.1 A/AA violation and
 * nothing sideways at 360 and 320 px; the waiting page carries its place in line and announces its own refresh.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { WaitingRoom } from '../../src/web/waiting-room.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { validPersonalCode } from '../support/register.js';
import { agencyUser } from '../support/staff.js';

let database: TestDatabase;
let portal: Listening;
let browser: Browser;
let sessions: WebSessionStore;
let agencyId: number;
let release: (() => void) | undefined;
let held: Promise<Response> | undefined;

beforeAll(async () => {
  database = await openTestDatabase('sqlite');
  const db = database.handle.db;
  sessions = new WebSessionStore(db, { idleMinutes: 30 });
  agencyId = await agencyUser(db, validPersonalCode(940_001));
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  const app = createApp({
    db,
    log: createLogger('silent'),
    // One request held in progress puts every new page request in line.
    overload: { maxLagMs: 60_000, maxInFlight: 1, waitingRoom: await WaitingRoom.open({ db, secureCookies: false }) },
    auth: { sessions, oidc: new OidcLogin({ publicUrl: portal.url, providers: {} }), environment: 'test', publicUrl: portal.url },
    staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS } },
  });
  let entered = false;
  app.get('/held', async (c) => {
    entered = true;
    await new Promise<void>((resolve) => (release = resolve));
    return c.text('done');
  });
  handler.fetch = app.fetch;
  held = fetch(`${portal.url}/held`);
  while (!entered) await new Promise((resolve) => setTimeout(resolve, 25));
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  release?.();
  await held;
  await browser?.close();
  await portal?.close();
  await database?.close();
});

async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

describe('busy-day pages in a browser', () => {
  it(
    'the waiting page: place in line, an announced refresh, no axe violations, nothing sideways',
    async () => {
      for (const width of [360, 320]) {
        const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 740 }, locale: 'lv-LV' });
        const page = await context.newPage();
        const res = await page.goto(`${portal.url}/results`);
        expect(res?.status()).toBe(503);
        await page.getByRole('heading', { level: 1, name: 'Jūs esat rindā' }).waitFor();
        expect(await page.textContent('body')).toContain('Your place in the queue:');
        expect(await page.textContent('body')).toMatch(/pārbaudīs jūsu kārtu pēc aptuveni \d+ sekundēm/);
        expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
        expect(await axeViolations(page)).toEqual([]);
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'the results-day page: the figures table, no axe violations, nothing sideways',
    async () => {
      for (const width of [360, 320]) {
        const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 740 }, locale: 'lv-LV' });
        const { token } = await sessions.create({ kind: 'staff', userId: agencyId, provider: 'test', displayName: 'Aģentūras darbinieks' });
        await context.addCookies([{ name: 'sid', value: token, url: portal.url }]);
        const page = await context.newPage();
        const res = await page.goto(`${portal.url}/staff/agency/results-day`);
        expect(res?.status()).toBe(200);
        await page.getByRole('table').waitFor();
        expect(await page.textContent('#figure-waiting')).toMatch(/^\d+$/);
        expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
        expect(await axeViolations(page)).toEqual([]);
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
