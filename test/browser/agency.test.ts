/**
 * The agency's workspace in a real browser (Debian's Chromium), with JavaScript on and off: one member of agency
 * staff requests a certificate's annulment and a second confirms it; an administrator adds a school user,
 * opens and removes them; the audit search finds the downloads of one person with their channels. Every agency
 * page, its error states included, passes axe-core's WCAG 2.1 AA rules and fits a 360-px screen.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { audit } from '../../src/data/audit.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { importScores } from '../../src/data/scores.js';
import { findStaffUser, saveStaffUser } from '../../src/data/staff.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { formatPersonalCode } from '../../src/domain/personal-code.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';

let database: TestDatabase;
let db: Kysely<Database>;
let sessions: WebSessionStore;
let portal: Listening;
let browser: Browser;
let seeded: SeededSession;
let numbers: string[];
let adminId: number;
let operatorId: number;
let registrationNumber: string;

beforeAll(async () => {
  database = await openTestDatabase('sqlite');
  db = database.handle.db;
  seeded = await seedSession(db, { examCode: 'LAT09', candidates: 3 });
  const csv = ['candidate_code,took_part,part_1,part_2,part_3', ...seeded.candidateCodes.map((c) => `${c},yes,40,20,10`)].join('\n');
  await importScores(db, seeded.sessionId, { bytes: new TextEncoder().encode(csv), name: 's.csv' }, 't');
  await issueCertificates(db, seeded.sessionId, { actor: 't', issuedOn: '2026-06-20' });
  numbers = (await db.selectFrom('certificates').select('number').orderBy('number').execute()).map((r) => r.number);
  registrationNumber = (await db.selectFrom('institutions').select('registration_number').where('id', '=', seeded.institutionId).executeTakeFirstOrThrow())
    .registration_number;
  adminId = await saveStaffUser(db, { personalCode: validPersonalCode(920_001), displayName: 'Anna Administratore', role: 'agency-admin' });
  operatorId = await saveStaffUser(db, { personalCode: validPersonalCode(920_002), displayName: 'Edgars Eglītis', role: 'agency' });

  sessions = new WebSessionStore(db, { idleMinutes: 30 });
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  handler.fetch = createApp({
    db,
    log: createLogger('silent'),
    auth: { sessions, oidc: new OidcLogin({ publicUrl: portal.url, providers: {} }), environment: 'test', publicUrl: portal.url },
    staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS } },
  }).fetch;
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await database?.close();
});

/** A browser signed in as the staff user (their session cookie set as the sign-in would set it). */
async function signedIn(userId: number, javaScriptEnabled: boolean): Promise<BrowserContext> {
  const context = await browser.newContext({ javaScriptEnabled, bypassCSP: true, viewport: { width: 360, height: 740 }, locale: 'lv-LV' });
  const { token } = await sessions.create({
    kind: 'staff',
    userId,
    provider: 'test',
    displayName: userId === adminId ? 'Anna Administratore' : 'Edgars Eglītis',
  });
  await context.addCookies([{ name: 'sid', value: token, url: portal.url }]);
  return context;
}

/** Fits 360 and 320 px without sideways scrolling; axe-core (a script) runs where JavaScript is on. */
async function expectAccessible(page: Page, runAxe: boolean): Promise<void> {
  for (const width of [360, 320]) {
    await page.setViewportSize({ width, height: 740 });
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow, `${page.url()} scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
  }
  if (runAxe) expect(await axeViolations(page), page.url()).toEqual([]);
}

async function certificateState(number: string) {
  return (await db.selectFrom('certificates').select('state').where('number', '=', number).executeTakeFirstOrThrow()).state;
}

describe.each([true, false])('agency workspace in Chromium, JavaScript %s', (javaScriptEnabled) => {
  const checkPage = (page: Page) => expectAccessible(page, javaScriptEnabled);

  it(
    'annuls a certificate with a second person confirming',
    async () => {
      const number = javaScriptEnabled ? numbers[0]! : numbers[1]!;
      const admin = await signedIn(adminId, javaScriptEnabled);
      const page = await admin.newPage();
      await page.goto(`${portal.url}/staff/agency`);
      await checkPage(page);
      await page.getByRole('link', { name: 'Anulēšana', exact: true }).click();
      await page.waitForURL(`${portal.url}/staff/agency/annulments`);
      await checkPage(page);

      // A search with nothing in it comes back with the reason.
      await page.getByRole('button', { name: 'Atrast' }).click();
      await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Ievadiet vai nu sertifikāta numuru, vai personas kodu');
      await checkPage(page);

      await page.getByLabel('Vai turētāja personas kods').fill(formatPersonalCode(seeded.personalCodes[javaScriptEnabled ? 0 : 1]!));
      await page.getByRole('button', { name: 'Atrast' }).click();
      await expect.poll(() => page.locator('#found-caption').textContent()).toContain('Atrastie sertifikāti: 1');
      await checkPage(page);
      await page.getByLabel(`Anulēšanas iemesls ${number}`).fill('Eksāmena darbs rakstīts ar neatļautiem palīglīdzekļiem');
      await page.getByRole('button', { name: `Pieprasīt anulēšanu ${number}` }).click();
      await expect.poll(() => page.locator('.notice.success').textContent()).toContain(`Sertifikāta ${number} anulēšana pieprasīta`);
      await expect.poll(() => page.locator(`#pending-caption ~ tbody`).textContent()).toContain('Jūsu pieprasījums');
      await checkPage(page);
      expect(await certificateState(number)).toBe('issued');

      const operator = await signedIn(operatorId, javaScriptEnabled);
      const second = await operator.newPage();
      await second.goto(`${portal.url}/staff/agency/annulments`);
      await checkPage(second);
      await second.getByRole('button', { name: `Apstiprināt anulēšanu ${number}` }).click();
      await expect.poll(() => second.locator('.notice.success').textContent()).toContain(`Sertifikāts ${number} ir anulēts`);
      await checkPage(second);
      expect(await certificateState(number)).toBe('annulled');
      await admin.close();
      await operator.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'lets an administrator add and remove a school user',
    async () => {
      const code = validPersonalCode(javaScriptEnabled ? 920_010 : 920_011);
      const name = javaScriptEnabled ? 'Jānis Bērziņš' : 'Māra Kalniņa';
      const admin = await signedIn(adminId, javaScriptEnabled);
      const page = await admin.newPage();
      await page.goto(`${portal.url}/staff/agency/staff`);
      await checkPage(page);
      await page.getByLabel('Personas kods', { exact: true }).fill(formatPersonalCode(code));
      await page.getByLabel('Vārds un uzvārds').fill(name);
      await page.getByLabel('Skolas superlietotājs', { exact: true }).check();
      await page.getByRole('button', { name: 'Pievienot', exact: true }).click();
      // Without the school's number the form comes back, saying which field to fill.
      await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Ievadiet iestādes 10 ciparu reģistrācijas numuru');
      await checkPage(page);
      await page.getByLabel('Iestādes reģistrācijas numurs').fill(registrationNumber);
      await page.getByRole('button', { name: 'Pievienot', exact: true }).click();
      await expect.poll(() => page.locator('.notice.success').textContent()).toContain('Pievienots');
      const added = (await findStaffUser(db, code))!;
      expect(added.displayName).toBe(name);

      await page.getByRole('link', { name: `Mainīt ${name}` }).click();
      await page.waitForURL(`${portal.url}/staff/agency/staff/${added.userId}`);
      await checkPage(page);
      await page.getByRole('button', { name: `Noņemt: ${name}` }).click();
      await expect.poll(() => page.locator('.notice.success').textContent()).toContain('Piekļuve noņemta');
      await checkPage(page);
      expect(await findStaffUser(db, code)).toBeUndefined();
      await admin.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'finds the downloads of one person, with their channels',
    async () => {
      const number = numbers[2]!;
      const holder = await db.selectFrom('persons').select('id').where('personal_code', '=', seeded.personalCodes[2]!).executeTakeFirstOrThrow();
      if (javaScriptEnabled) {
        await audit(db, { actor: `person:${holder.id}`, channel: 'student', action: 'certificate.download', subject: `certificate:${number}` });
        await audit(db, { actor: `user:${operatorId}`, channel: 'school', action: 'certificate.download', subject: `certificate:${number}` });
        await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${number}` });
      }
      const operator = await signedIn(operatorId, javaScriptEnabled);
      const page = await operator.newPage();
      await page.goto(`${portal.url}/staff/agency/audit`);
      await checkPage(page);
      await page.getByRole('button', { name: 'Meklēt' }).click();
      await expect.poll(() => page.locator('.error-summary').textContent()).toContain('Aizpildiet vismaz vienu lauku');
      await checkPage(page);
      await page.getByLabel('Personas kods').fill(seeded.personalCodes[2]!);
      await page.getByLabel('Tikai sertifikātu un personas datu skatīšana un lejupielādes').check();
      await page.getByRole('button', { name: 'Meklēt' }).click();
      await expect.poll(() => page.locator('#result-title').textContent()).toContain('Ieraksti par personu');
      const table = (await page.locator('table.agency-audit tbody').textContent()) ?? '';
      for (const channel of ['skolēns', 'skola', 'pārbaude']) expect(table).toContain(channel);
      await checkPage(page);
      await operator.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
