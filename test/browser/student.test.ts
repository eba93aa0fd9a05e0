/**
 * The student's way through the portal in a real browser (Debian's Chromium): sign in through a real OpenID
 * Connect provider, see the results, open the part details, switch to English, download the certificate and
 * check it is the right, genuine file; every page passes axe-core's WCAG 2.1 AA rules and fits a 360-px screen;
 * and all of it again with JavaScript switched off.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { findExam, installCatalogue } from '../../src/data/catalogue.js';
import { generateDemo } from '../../src/data/demo.js';
import { demoStudents, type SignInPerson } from '../../src/data/sign-in.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import { requireStudent } from '../../src/web/session.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc-server.js';

// Results of 2025/26 are out (3 July 2026) and inside the six months.
const NOW = new Date('2026-09-01T10:00:00Z');

let test: TestDatabase;
let dataDir: string;
let setup: SealingSetup;
let pool: SealingPool;
let portal: Listening;
let abroad: Listening;
let provider: Listening & { issuer: string };
let browser: Browser;
let student: SignInPerson;
const accounts = new Map<string, string | undefined>();

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  await generateDemo(test.handle.db, { students: 80, seed: 11, latestYear: 2025 });
  student = (await demoStudents(test.handle.db, 1))[0]!;
  accounts.set('skolens', student!.personalCode);
  // One exam whose results are not out yet, so the pages are also checked in their "pending" state.
  await installCatalogue(test.handle.db, 2030);
  const future = (await findExam(test.handle.db, 'KUMAL', 2030))!;
  const session = await test.handle.db
    .selectFrom('exam_sessions')
    .select('id')
    .where('exam_id', '=', future.id)
    .where('term', '=', 'main')
    .executeTakeFirstOrThrow();
  const institution = await test.handle.db.selectFrom('institutions').select('id').limit(1).executeTakeFirstOrThrow();
  const candidate = await test.handle.db
    .insertInto('candidates')
    .values({ code: '999999000001', person_id: student.personId, school_year: 2030, institution_id: institution.id, class_name: '12.a' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await test.handle.db
    .insertInto('registrations')
    .values({ session_id: session.id, candidate_id: candidate.id, applied_at: '2030-12-01T10:00:00.000Z' })
    .execute();
  dataDir = mkdtempSync(join(tmpdir(), 'browser-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
  pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, workers: 1, queue: 100 });
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  provider = await startOidcProvider(portal.url, accounts);
  const app = createApp({
    db: test.handle.db,
    log: createLogger('silent'),
    trust: setup.trust,
    auth: {
      sessions: new WebSessionStore(test.handle.db, { idleMinutes: 30 }),
      oidc: new OidcLogin({ publicUrl: portal.url, providers: { eklase: { issuer: provider.issuer, clientId: 'portal', clientSecret: OIDC_CLIENT_SECRET } } }),
      environment: 'development',
      publicUrl: portal.url,
    },
    student: { requireStudent: requireStudent(), seal: (facts) => pool.seal(facts), clock: () => NOW },
  });
  handler.fetch = app.fetch;
  // 127.0.0.1 as a trusted proxy and private addresses refused, as in production behind a load balancer.
  abroad = await serveFetch({
    fetch: createApp({ db: test.handle.db, log: createLogger('silent'), trustedProxies: ['127.0.0.1'], allowPrivateAddresses: false }).fetch,
  });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await abroad?.close();
  await provider?.close();
  await pool?.close();
  await setup?.close();
  await test?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function newContext(javaScriptEnabled: boolean): Promise<BrowserContext> {
  // bypassCSP lets the test inject axe-core; the portal's own pages carry no inline script.
  return browser.newContext({ javaScriptEnabled, bypassCSP: true, viewport: { width: 360, height: 740 }, acceptDownloads: true, locale: 'lv-LV' });
}

async function expectAccessible(page: Page, javaScriptEnabled: boolean): Promise<void> {
  const overflow = await page
    .evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    })
    .catch(() => 0);
  expect(overflow, `${page.url()} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  if (javaScriptEnabled) expect(await axeViolations(page), page.url()).toEqual([]);
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${portal.url}/`);
  await page.getByRole('link', { name: 'Pieslēgties', exact: true }).click();
  await page.getByRole('link', { name: /E-klas/ }).click();
  // The provider's own login and consent pages.
  await page.locator('input[name="login"]').fill('skolens');
  await page.locator('input[name="password"]').fill('parole');
  await page.locator('button[type="submit"]').click();
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`${portal.url}/results`);
}

for (const javaScriptEnabled of [true, false]) {
  describe(`a student in Chromium, JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, () => {
    it('signs in with E-klase, sees the results, opens the parts, switches language, downloads the certificate', async () => {
      const context = await newContext(javaScriptEnabled);
      const page = await context.newPage();
      try {
        await page.goto(`${portal.url}/`);
        await expectAccessible(page, javaScriptEnabled);
        await page.goto(`${portal.url}/login`);
        await expectAccessible(page, javaScriptEnabled);

        await signIn(page);
        expect(await page.locator('h1').textContent()).toBe('Kārtoto pārbaudījumu rezultāti');
        expect(await page.locator('header .user').textContent()).toBe(student!.displayName);
        expect(await page.locator('.pending').first().textContent()).toContain('Rezultāti būs pieejami 03.07.2031 09:00');
        await expectAccessible(page, javaScriptEnabled);

        const firstExam = page
          .locator('li.exam')
          .filter({ has: page.locator('a.download') })
          .first();
        const details = firstExam.locator('details');
        expect(await details.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
        await details.locator('summary').click();
        expect(await details.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
        expect(await details.locator('.parts li').count()).toBeGreaterThan(0);
        expect(await details.locator('.parts li').first().isVisible()).toBe(true);

        await page.getByRole('link', { name: 'English' }).click();
        await page.waitForURL(/lang=en/);
        expect(await page.locator('h1').textContent()).toBe('Results of exams taken');
        await expectAccessible(page, javaScriptEnabled);

        const link = page.locator('a.download').first();
        const href = (await link.getAttribute('href'))!;
        const number = decodeURIComponent(/^\/certificates\/(.+)\.edoc$/.exec(href)![1]!);
        const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
        expect(download.suggestedFilename()).toBe(`sertifikats-${number.replace('/', '-')}.edoc`);
        const report = await verifyEdoc(new Uint8Array(readFileSync((await download.path())!)), setup.trust);
        expect(report.genuine).toBe(true);
        expect(report.facts?.number).toBe(number);
        expect(`${report.facts?.firstName} ${report.facts?.lastName}`).toBe(student!.displayName);

        // Signing out ends the session: the results page sends to sign in again.
        await page.getByRole('button', { name: /Sign out|Iziet/ }).click();
        await page.goto(`${portal.url}/results`);
        expect(new URL(page.url()).pathname).toBe('/login');
      } finally {
        await context.close();
      }
    });

    it('transfers at most 30 KB for the results page on a first visit with an empty cache, and loads no script', async () => {
      const context = await newContext(javaScriptEnabled);
      const page = await context.newPage();
      try {
        await signIn(page);
        // A fresh context: empty cache, same session cookie.
        const fresh = await browser.newContext({ javaScriptEnabled, viewport: { width: 360, height: 740 }, storageState: await context.storageState() });
        const results = await fresh.newPage();
        const transfers: { url: string; bytes: number; type: string }[] = [];
        results.on('requestfinished', async (request) => {
          const sizes = await request.sizes();
          transfers.push({ url: request.url(), bytes: sizes.responseBodySize + sizes.responseHeadersSize, type: request.resourceType() });
        });
        await results.goto(`${portal.url}/results`, { waitUntil: 'load' });
        await results.waitForTimeout(200);
        const total = transfers.reduce((sum, t) => sum + t.bytes, 0);
        expect(transfers.map((t) => t.type).sort()).toEqual(['document', 'stylesheet']);
        expect(total, JSON.stringify(transfers)).toBeLessThanOrEqual(30 * 1024);
        if (javaScriptEnabled) await results.screenshot({ path: join(PROJECT_ROOT, 'dist', 'results-360px.png'), fullPage: true });
        await fresh.close();
      } finally {
        await context.close();
      }
    });

    it('keeps other pages accessible too: verification, a failed sign-in, a missing page, the refusal from abroad', async () => {
      const context = await newContext(javaScriptEnabled);
      const page = await context.newPage();
      try {
        for (const path of ['/verify', '/verify?lang=en', '/no-such-page', '/auth/eklase/callback?state=forged&code=x', '/login?lang=en']) {
          await page.goto(`${portal.url}${path}`);
          await expectAccessible(page, javaScriptEnabled);
        }
        // The same portal behind a proxy, visited from the United States: the Baltic-only refusal page.
        await page.setExtraHTTPHeaders({ 'X-Forwarded-For': '8.8.8.8' });
        const response = await page.goto(`${abroad.url}/login`);
        expect(response?.status()).toBe(403);
        expect(await page.locator('html').getAttribute('lang')).toBeTruthy();
        await expectAccessible(page, javaScriptEnabled);
      } finally {
        await context.close();
      }
    });
  });
}
