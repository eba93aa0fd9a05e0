/**
 * Share links in a real browser (Debian's Chromium, 360 px wide): a student makes a link for two certificates
 * for 7 days, a recipient opens it in a fresh browser context (also from abroad, where the student pages are
 * refused), downloads a certificate that verifies, the holder sees the view counted, withdraws the link, and the
 * recipient is told it was withdrawn; a link past its expiry (simulated clock) says so; the access history shows
 * a school's ZIP download and a verification look-up; an adult makes a link in the e-service. Every new page
 * passes axe-core's WCAG 2.1 A/AA rules and fits the screen.
 */
import { readFileSync } from 'node:fs';
import type { MiddlewareHandler } from 'hono';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateArchive } from '../../src/data/certificate-archive.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { checkCertificateByNumber } from '../../src/data/verification.js';
import { createLogger } from '../../src/log.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
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
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { schoolUser } from '../support/staff.js';

// Sign-in is tested on its own (test/browser/student.test.ts); here a header names the signed-in student.
const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Līga Bērziņa', csrfToken: 'csrf', provider: 'test' });
  await next();
};

let now = new Date('2026-07-10T10:00:00Z');
let test: TestDatabase;
let sealing: TestSealing;
let kumal: SeededSession;
let lat09: SeededSession;
let holderId: number;
let register: EserviceRegister;
let key: SigningKey;
let portal: Listening;
let abroad: Listening;
let browser: Browser;
const logLines: string[] = [];

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  const db = test.handle.db;
  sealing = await startTestSealing(1);
  kumal = await seedSession(db, { examCode: 'KUMAL', candidates: 2 });
  lat09 = await seedSession(db, { examCode: 'LAT09', candidates: 1 });
  holderId = (await db.selectFrom('persons').select('id').where('personal_code', '=', kumal.personalCodes[0]!).executeTakeFirstOrThrow()).id;
  await db.updateTable('candidates').set({ person_id: holderId }).where('code', '=', lat09.candidateCodes[0]!).execute();
  const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });
  await importScores(
    db,
    kumal.sessionId,
    csv('candidate_code,took_part,part_1,part_2', [`${kumal.candidateCodes[0]},yes,48,29`, `${kumal.candidateCodes[1]},yes,30,20`]),
    't',
  );
  await importScores(db, lat09.sessionId, csv('candidate_code,took_part,part_1,part_2,part_3', [`${lat09.candidateCodes[0]},yes,28,21,19`]), 't');
  await issueCertificates(db, kumal.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  await issueCertificates(db, lat09.sessionId, { actor: 't', issuedOn: '2026-06-17' });
  register = await seedEserviceRegister(db);
  key = await signingKey();

  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  const options = {
    db,
    publicUrl: portal.url,
    trust: sealing.setup.trust,
    student: { requireStudent: testSignIn, seal: (facts: Parameters<TestSealing['pool']['seal']>[0]) => sealing.pool.seal(facts), clock: () => now },
  };
  handler.fetch = createApp({
    ...options,
    log: createLogger('debug', (line) => logLines.push(line)),
    eservice: {
      verify: verifierFor(db, key, () => now),
      origins: [],
      publicUrl: portal.url,
      token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
      clock: () => now,
    },
  }).fetch;
  // The same portal behind a proxy that names the visitor's address, with private addresses refused, as in production.
  abroad = await serveFetch({
    fetch: createApp({ ...options, log: createLogger('debug', (line) => logLines.push(line)), trustedProxies: ['127.0.0.1'], allowPrivateAddresses: false })
      .fetch,
  });
  browser = await launchChromium();
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await abroad?.close();
  await sealing?.close();
  await test?.close();
});

async function newContext(headers: Record<string, string> = {}): Promise<BrowserContext> {
  return browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 }, acceptDownloads: true, locale: 'lv-LV', extraHTTPHeaders: headers });
}

async function expectAccessible(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow, `${page.url()} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), page.url()).toEqual([]);
}

const kumalNumber = () => `2026/${kumal.candidateCodes[0]}-KUMAL`;
const lat09Number = () => `2026/${lat09.candidateCodes[0]}-LAT09`;

async function makeLink(page: Page, recipient: string, days: string, certificates: string[]): Promise<string> {
  await page.goto(`${portal.url}/results/share`);
  for (const number of certificates) await page.getByLabel(number, { exact: false }).check();
  await page.getByLabel('Kam saite paredzēta').fill(recipient);
  await page.getByLabel('Angļu').check();
  await page.getByLabel('Cik ilgi saite darbosies').selectOption(days);
  await page.getByRole('button', { name: 'Izveidot saiti' }).click();
  await page.getByRole('heading', { name: 'Saite izveidota' }).waitFor();
  return page.locator('#share-url').inputValue();
}

describe('share links in Chromium', () => {
  it(
    'a student shares two certificates for 7 days; the recipient views and downloads; the holder sees the view and withdraws the link',
    async () => {
      const holder = await newContext({ 'x-test-person': String(holderId) });
      const recipient = await newContext();
      try {
        const page = await holder.newPage();
        await page.goto(`${portal.url}/results`);
        await page.getByRole('link', { name: 'Kopīgot sertifikātus' }).click();
        await page.waitForURL(`${portal.url}/results/share`);
        await expectAccessible(page);
        const url = await makeLink(page, 'University of Tartu admissions', '7', [kumalNumber(), lat09Number()]);
        expect(url).toMatch(new RegExp(`^${portal.url}/shared\\?t=[A-Za-z0-9_-]{43}$`));
        await expectAccessible(page);
        const linkToken = new URL(url).searchParams.get('t')!;

        const visitor = await recipient.newPage();
        await visitor.goto(url);
        expect(await visitor.locator('html').getAttribute('lang')).toBe('en');
        const shared = await visitor.locator('main').textContent();
        expect(shared).toContain(kumalNumber());
        expect(shared).toContain(lat09Number());
        await expectAccessible(visitor);
        const link = visitor.locator('a.download').first();
        const [download] = await Promise.all([visitor.waitForEvent('download'), link.click()]);
        const report = await verifyEdoc(new Uint8Array(readFileSync((await download.path())!)), sealing.setup.trust);
        expect(report.genuine).toBe(true);
        expect([kumalNumber(), lat09Number()]).toContain(report.facts?.number);

        // From abroad: the link opens, the student pages do not.
        const foreign = await newContext({ 'X-Forwarded-For': '8.8.8.8' });
        const away = await foreign.newPage();
        expect((await away.goto(`${abroad.url}/shared?t=${linkToken}`))?.status()).toBe(200);
        expect((await away.goto(`${abroad.url}/results/share`))?.status()).toBe(403);
        await foreign.close();

        await page.goto(`${portal.url}/results/share`);
        const item = page.locator('li.share-link').filter({ hasText: 'University of Tartu admissions' });
        expect(await item.locator('.share-views').textContent()).toContain('Atvērta 2 reizes');
        await expectAccessible(page);
        await item.getByRole('link', { name: /Skatīt, ko redz saņēmējs/ }).click();
        // In the link's language, exactly as the recipient sees it.
        expect(await page.locator('.share-preview').textContent()).toContain('Preview.');
        await expectAccessible(page);

        await page.goto(`${portal.url}/results/share`);
        await page
          .locator('li.share-link')
          .filter({ hasText: 'University of Tartu admissions' })
          .getByRole('button', { name: /Atsaukt saiti/ })
          .click();
        await page.locator('.notice.success').waitFor();
        expect(await page.locator('li.share-link .share-state').first().textContent()).toContain('Atsaukta');

        const response = await visitor.goto(url);
        expect(response?.status()).toBe(410);
        expect(await visitor.locator('h1').textContent()).toBe('This link was withdrawn by its holder');
        await expectAccessible(visitor);

        for (const line of logLines) expect(line).not.toContain(linkToken);
      } finally {
        await holder.close();
        await recipient.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'a link past its expiry says it expired',
    async () => {
      const holder = await newContext({ 'x-test-person': String(holderId) });
      const recipient = await newContext();
      const saved = now;
      try {
        const page = await holder.newPage();
        const url = await makeLink(page, 'Darba devējs', '1', [kumalNumber()]);
        now = new Date(saved.getTime() + 2 * 24 * 60 * 60_000);
        const visitor = await recipient.newPage();
        expect((await visitor.goto(url))?.status()).toBe(410);
        expect(await visitor.locator('h1').textContent()).toBe('This link has expired');
        await expectAccessible(visitor);
      } finally {
        now = saved;
        await holder.close();
        await recipient.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    "the history shows the school's ZIP download and a verification look-up of the student's certificate",
    async () => {
      const db = test.handle.db;
      const staff = await schoolUser(db, kumal.institutionId, validPersonalCode(641_234));
      for await (const entry of certificateArchive(db, {
        sessionId: kumal.sessionId,
        institutionId: kumal.institutionId,
        actor: `user:${staff}`,
        seal: (facts) => sealing.pool.seal(facts),
        note: () => ({ name: 'note.txt', text: '' }),
        index: () => ({ name: 'index.csv', text: '' }),
      }))
        void entry;
      await checkCertificateByNumber(db, kumalNumber(), { personalCode: kumal.personalCodes[0]! }, { actor: 'public', channel: 'verify' }, now);
      const holder = await newContext({ 'x-test-person': String(holderId) });
      try {
        const page = await holder.newPage();
        await page.goto(`${portal.url}/results`);
        await page.getByRole('link', { name: 'Kas ir skatījis manus sertifikātus' }).click();
        const school = (await db.selectFrom('institutions').select('name').where('id', '=', kumal.institutionId).executeTakeFirstOrThrow()).name;
        const zip = page.locator('li.access-entry').filter({ hasText: school }).filter({ hasText: 'ZIP' });
        expect(await zip.count()).toBe(1);
        expect(await zip.textContent()).toContain(kumalNumber());
        const lookup = page.locator('li.access-entry').filter({ hasText: 'pārbaudīja sertifikātu pēc numura un jūsu personas koda' });
        expect(await lookup.count()).toBe(1);
        expect(await lookup.textContent()).toContain('Sertifikāta pārbaudes lapa');
        await expectAccessible(page);
        await page.getByRole('link', { name: 'English' }).click();
        await page.waitForURL(/lang=en/);
        expect(await page.locator('h1').textContent()).toBe('Who has seen my certificates');
        await expectAccessible(page);
      } finally {
        await holder.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'an adult makes a link in the e-service',
    async () => {
      const context = await newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${portal.url}/eservice/certificates?token=${await token(key, { personalCode: register.holder.personalCode, now })}`);
        await page.getByRole('link', { name: 'Kopīgot sertifikātus' }).click();
        await expectAccessible(page);
        await page.getByLabel(register.numbers.kumalOf2025, { exact: false }).check();
        await page.getByLabel('Kam saite paredzēta').fill('Latvijas Universitāte');
        await page.getByRole('button', { name: 'Izveidot saiti' }).click();
        await page.getByRole('heading', { name: 'Saite izveidota' }).waitFor();
        await expectAccessible(page);
        const url = await page.locator('#share-url').inputValue();
        const visitor = await context.newPage();
        await visitor.goto(url);
        expect(await visitor.locator('main').textContent()).toContain(register.numbers.kumalOf2025);
        await page.getByRole('link', { name: 'Atpakaļ uz jūsu saitēm' }).click();
        await page.getByRole('link', { name: 'Kas ir skatījis manus sertifikātus' }).click();
        expect(await page.locator('main').textContent()).toContain('Saites saņēmējs “Latvijas Universitāte”');
        await expectAccessible(page);
      } finally {
        await context.close();
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
