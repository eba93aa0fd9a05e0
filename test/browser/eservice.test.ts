/**
 * The Latvija.lv e-service in a real browser (Debian's Chromium): a test page on another local origin (the
 * configured e-service origin) frames the embedded list with a fresh token; inside the frame the person downloads
 * a certificate (the genuine sealed document) and files a paper request, with JavaScript switched off, as no
 * script is needed. A page on an origin that is not configured cannot frame the list (CSP frame-ancestors). The
 * embed pages pass axe-core's WCAG 2.1 AA rules and fit a 360-px screen.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, launchChromium, BROWSER_STEP_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, serveNode, type Listening } from '../support/http-browser.js';
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
let dataDir: string;
let setup: SealingSetup;
let pool: SealingPool;
let portal: Listening;
/** The configured e-service origin, and another origin that is not configured; both on localhost, the portal on 127.0.0.1. */
let eservice: Listening;
let stranger: Listening;
let eserviceOrigin: string;
let strangerOrigin: string;
let browser: Browser;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The e-service's page: it signs its user in (here: `?person=` names them) and frames our list with a fresh token. */
function framingPage(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const personalCode = url.searchParams.get('person') ?? '';
  void token(key, { personalCode, now: new Date() }).then((jwt) => {
    const src = `${portal.url}/eservice/certificates?token=${jwt}`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`<!doctype html><html lang="lv"><head><meta charset="utf-8"><title>Latvija.lv e-pakalpojums (tests)</title></head>
<body><main><h1>Izglītību apliecinošo dokumentu apskate un saņemšana</h1>
<iframe title="Valsts pārbaudījumu sistēmā reģistrētie dokumenti" src="${escape(src)}" style="width:100%;height:1400px;border:0"></iframe>
</main></body></html>`);
  });
}

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  register = await seedEserviceRegister(test.handle.db);
  key = await signingKey();
  dataDir = mkdtempSync(join(tmpdir(), 'eservice-browser-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
  pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, workers: 1, queue: 100 });

  eservice = await serveNode();
  stranger = await serveNode();
  eservice.server.on('request', framingPage);
  stranger.server.on('request', framingPage);
  // localhost and 127.0.0.1 are different sites: the frame is a real third-party context.
  eserviceOrigin = eservice.url.replace('127.0.0.1', 'localhost');
  strangerOrigin = stranger.url.replace('127.0.0.1', 'localhost');

  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  handler.fetch = createApp({
    db: test.handle.db,
    log: createLogger('silent'),
    eservice: {
      verify: verifierFor(test.handle.db, key, () => new Date()),
      origins: [eserviceOrigin],
      publicUrl: portal.url,
      token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
      seal: (facts) => pool.seal(facts),
    },
  }).fetch;
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await eservice?.close();
  await stranger?.close();
  await pool?.close();
  await setup?.close();
  await test?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function expectAccessible(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${page.url()} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), page.url()).toEqual([]);
}

describe('the e-service embeds the certificate list in Chromium', () => {
  it('frames the list from the configured origin; inside it, downloads the sealed certificate and files a paper request, without JavaScript', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1024, height: 900 }, acceptDownloads: true, locale: 'lv-LV' });
    const page = await context.newPage();
    try {
      await page.goto(`${eserviceOrigin}/?person=${register.holder.personalCode}`);
      const frame = page.frameLocator('iframe');
      await expect.poll(() => frame.locator('h1').textContent()).toBe('Valsts pārbaudījumu sistēmā reģistrētie dokumenti');
      expect(await frame.locator('li.certificate').count()).toBe(3);
      expect(await frame.locator('body').textContent()).toContain(register.numbers.lat09Of2022);

      const item = frame.locator('li.certificate').filter({ hasText: register.numbers.kumalOf2025 });
      const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name: /Lejupielādēt e-dokumentu/ }).click()]);
      expect(download.suggestedFilename()).toBe(`sertifikats-${register.numbers.kumalOf2025.replace('/', '-')}.edoc`);
      const report = await verifyEdoc(new Uint8Array(readFileSync((await download.path())!)), setup.trust);
      expect(report.genuine).toBe(true);
      expect(report.facts?.number).toBe(register.numbers.kumalOf2025);
      expect(`${report.facts?.firstName} ${report.facts?.lastName}`).toBe(`${register.holder.firstName} ${register.holder.lastName}`);

      await item.getByRole('link', { name: /Pieprasīt papīra formā/ }).click();
      await expect.poll(() => frame.locator('h1').textContent()).toBe('Sertifikāta papīra kopijas pieprasījums');
      await frame.getByLabel('Iela, mājas un dzīvokļa numurs').fill('Brīvības iela 10-5');
      await frame.getByLabel('Pilsēta vai pagasts un novads').fill('Rīga');
      await frame.getByLabel('Pasta indekss').fill('1010');
      await frame.getByRole('button', { name: 'Turpināt' }).click();
      await expect.poll(() => frame.locator('h1').textContent()).toBe('Pārbaudiet un apstipriniet pieprasījumu');
      expect(await frame.locator('.address').textContent()).toContain('LV-1010 Rīga');
      await frame.getByRole('button', { name: 'Apstiprināt pieprasījumu' }).click();
      await expect.poll(() => frame.locator('h1').textContent()).toBe('Pieprasījums saņemts');
      expect(await frame.locator('.confirmation-panel .reference').textContent()).toMatch(/^P-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      await frame.getByRole('link', { name: 'Atpakaļ uz dokumentu sarakstu' }).click();
      await expect.poll(() => frame.locator('h1').textContent()).toBe('Valsts pārbaudījumu sistēmā reģistrētie dokumenti');
      expect(await frame.locator('li.certificate').filter({ hasText: register.numbers.kumalOf2025 }).locator('.paper-status').textContent()).toContain(
        'pieprasījums saņemts',
      );

      const stored = await test.handle.db
        .selectFrom('paper_requests')
        .innerJoin('certificates', 'certificates.id', 'paper_requests.certificate_id')
        .select(['paper_requests.delivery', 'paper_requests.postcode', 'paper_requests.status', 'paper_requests.recipient'])
        .where('certificates.number', '=', register.numbers.kumalOf2025)
        .execute();
      expect(stored).toEqual([
        { delivery: 'post', postcode: 'LV-1010', status: 'received', recipient: `${register.holder.firstName} ${register.holder.lastName}` },
      ]);
      // The top page never left the e-service.
      expect(new URL(page.url()).origin).toBe(eserviceOrigin);
    } finally {
      await context.close();
    }
  });

  it('is not framed by a page from an origin that is not configured', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 }, locale: 'lv-LV' });
    const page = await context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));
    try {
      await page.goto(`${strangerOrigin}/?person=${register.holder.personalCode}`, { waitUntil: 'load' });
      await expect.poll(() => console.some((m) => /frame-ancestors/.test(m)), { timeout: BROWSER_STEP_TIMEOUT_MS }).toBe(true);
      const child = page.frames().find((f) => f !== page.mainFrame())!;
      expect(child.url()).not.toContain('/eservice/certificates?s=');
      expect(await child.locator('li.certificate').count()).toBe(0);
      expect(await page.content()).not.toContain(register.numbers.kumalOf2025);
    } finally {
      await context.close();
    }
  });

  it('passes WCAG 2.1 AA and fits 360 px: the list, the paper form with its errors, the review, a refusal, in both languages', async () => {
    // bypassCSP lets the test inject axe-core; the embed pages carry no script of their own.
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 }, locale: 'lv-LV' });
    const page = await context.newPage();
    try {
      for (const lang of ['lv', 'en']) {
        await page.goto(
          `${portal.url}/eservice/certificates?lang=${lang}&token=${await token(key, { personalCode: register.holder.personalCode, now: new Date() })}`,
        );
        expect(await page.locator('html').getAttribute('lang')).toBe(lang);
        await expectAccessible(page);
        await page
          .locator('li.certificate')
          .filter({ hasText: register.numbers.lat09Of2022 })
          .getByRole('link', { name: /papīra|paper/ })
          .click();
        await expectAccessible(page);
        await page.getByRole('button', { name: /Turpināt|Continue/ }).click();
        expect(await page.locator('[aria-invalid=true]').count()).toBeGreaterThan(0);
        await expectAccessible(page);
        await page.getByLabel(/Saņemšu pats|pick it up/).check();
        await page.getByRole('button', { name: /Turpināt|Continue/ }).click();
        await expectAccessible(page);
      }
      await page.goto(`${portal.url}/eservice/certificates?token=forged`);
      await expectAccessible(page);
      const representative = await token(key, { personalCode: register.parentCode, represented: register.child.personalCode, now: new Date() });
      await page.goto(`${portal.url}/eservice/certificates?token=${representative}`);
      expect(await page.locator('.lead').textContent()).toContain(register.child.firstName);
      await expectAccessible(page);
    } finally {
      await context.close();
    }
  });
});
