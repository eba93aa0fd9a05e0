/**
 * The notice pages in Chromium at 360 px and 320 px, in Latvian and English: the student's page in each state
 * (no address, a form sent back with a problem, waiting for confirmation, confirmed), the confirm and unsubscribe
 * pages a message's links open (the question, then the answer), and the same settings in the e-service frame.
 * axe-core finds no WCAG 2.1 A/AA violation, nothing scrolls sideways, and every page names the contact.
 */
import type { MiddlewareHandler } from 'hono';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { createEmbedSession, useTokenId } from '../../src/data/eservice.js';
import { createLogger } from '../../src/log.js';
import type { Mailer, OutgoingMail } from '../../src/notices/mailer.js';
import { NoticeSender } from '../../src/notices/sender.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { axeViolations, BROWSER_TEST_TIMEOUT_MS, launchChromium } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { seedSession } from '../support/register.js';

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Līga Bērziņa', csrfToken: 'x', provider: 'test' });
  await next();
};

let test: TestDatabase;
let portal: Listening;
let browser: Browser;
let person: number;
let personalCode: string;
let sender: NoticeSender;
const outbox: OutgoingMail[] = [];
// The pages are what this file tests; the messages themselves go to a real SMTP server in test/web/notices.test.ts.
const keepingMailer: Mailer = {
  send: async (mail) => {
    outbox.push(mail);
    return { messageId: `<${outbox.length}@test>`, response: '250 OK' };
  },
  close: () => undefined,
};

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  const seeded = await seedSession(test.handle.db, { examCode: 'MAT09', year: 2025, candidates: 1 });
  personalCode = seeded.personalCodes[0]!;
  person = (await test.handle.db.selectFrom('persons').select('id').where('personal_code', '=', personalCode).executeTakeFirstOrThrow()).id;
  const log = createLogger('silent');
  sender = new NoticeSender({
    db: test.handle.db,
    mailer: keepingMailer,
    publicUrl: 'http://portal.test',
    contact: DEVELOPMENT_CONTACT,
    log,
    batchSize: 10,
    batchPauseMs: 0,
  });
  portal = await serveFetch({
    fetch: createApp({
      db: test.handle.db,
      log,
      student: { requireStudent: testSignIn },
      notices: { sender },
      eservice: {
        verify: () => Promise.reject(new Error('no tokens in this test')),
        origins: [],
        publicUrl: 'http://127.0.0.1',
        token: { issuer: 'https://eservice.test', audience: 'https://eksameni.test', maxTokenSeconds: 300 },
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

/** Accessible, inside the screen, and naming the contact. */
async function checkPage(page: Page, what: string): Promise<void> {
  expect(await sideways(page), `${what} scrolls sideways`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), what).toEqual([]);
  expect(await page.locator('main').innerText(), `${what} names the contact`).toContain(DEVELOPMENT_CONTACT.email);
}

/** The path and query of the link in the last message that starts with `path`. */
function lastLink(path: string): string {
  const text = outbox.at(-1)!.text;
  const match = new RegExp(`http://portal\\.test(${path}\\?\\S+)`).exec(text);
  if (!match) throw new Error(`no ${path} link`);
  return match[1]!;
}

describe('the notice pages in Chromium', () => {
  it(
    'lead a student from no address to a confirmed one and back out, accessibly at 360 and 320 px',
    async () => {
      for (const width of [360, 320]) {
        const context = await browser.newContext({ bypassCSP: true, viewport: { width, height: 740 }, extraHTTPHeaders: { 'x-test-person': String(person) } });
        const page = await context.newPage();
        try {
          await page.goto(`${portal.url}/results`);
          await page.getByRole('link', { name: 'Saņemt e-pasta paziņojumu, kad rezultāti ir pieejami' }).click();
          await page.waitForURL(/\/results\/notices$/);
          expect(await page.locator('h1').innerText()).toBe('E-pasta paziņojumi par rezultātiem');
          await checkPage(page, `empty, ${width} px`);
          await page.goto(`${portal.url}/results/notices?lang=en`);
          await checkPage(page, `empty in English, ${width} px`);

          // A wrong address: the summary links to the field, which says what to do.
          await page.getByLabel('E-mail address', { exact: true }).fill('liga.berzina@');
          await page.getByRole('button', { name: 'Save and send a confirmation link' }).click();
          await page.waitForSelector('.error-summary');
          expect(await page.locator('.error-summary').innerText()).toContain('Enter an e-mail address in the correct format');
          expect(await page.title()).toMatch(/^Error:/);
          await checkPage(page, `with a problem, ${width} px`);

          const address = `liga.berzina.${width}@example.lv`;
          await page.getByLabel('E-mail address', { exact: true }).fill(address);
          await page.getByRole('button', { name: 'Save and send a confirmation link' }).click();
          await page.waitForURL(/done=saved/);
          expect(await page.locator('main').innerText()).toContain(`We are sending a confirmation link to ${address}`);
          await checkPage(page, `waiting for confirmation, ${width} px`);

          // The link in the message: a question with a button, then the answer; in a browser without a session.
          await sender.runOnce();
          expect(outbox.at(-1)!.to).toBe(address);
          const visitor = await browser.newContext({ bypassCSP: true, viewport: { width, height: 740 } });
          const link = await visitor.newPage();
          await link.goto(`${portal.url}${lastLink('/notices/confirm')}`);
          expect(await link.locator('main').innerText()).toContain(address);
          await checkPage(link, `confirm question, ${width} px`);
          // The form was sent from the English page, so the messages, and the pages their links open, are English.
          await link.getByRole('button', { name: 'Confirm', exact: true }).click();
          await link.waitForSelector('.notice.success');
          await checkPage(link, `confirmed, ${width} px`);

          await page.goto(`${portal.url}/results/notices`);
          expect(await page.locator('main').innerText()).toContain(`We will send notices to ${address}`);
          await checkPage(page, `confirmed address, ${width} px`);

          await link.goto(`${portal.url}${lastLink('/notices/unsubscribe')}`);
          await checkPage(link, `unsubscribe question, ${width} px`);
          await link.getByRole('button', { name: 'Unsubscribe', exact: true }).click();
          await link.waitForSelector('.notice.success');
          await checkPage(link, `unsubscribed, ${width} px`);
          await visitor.close();

          await page.goto(`${portal.url}/results/notices`);
          expect(await page.locator('main').innerText()).toContain('No e-mail address for notices has been left.');
        } finally {
          await context.close();
        }
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );

  it(
    'offer the same settings to the holder in the e-service frame, and tell a representative why not',
    async () => {
      const now = new Date();
      for (const representative of [false, true]) {
        const tokenIdHash = `${representative ? 'r' : 'h'}${'0'.repeat(63)}`;
        await useTokenId(test.handle.db, tokenIdHash, new Date(now.getTime() + 3_600_000));
        const session = await createEmbedSession(test.handle.db, { personId: person, actorCode: personalCode, representative }, tokenIdHash, now);
        const context = await browser.newContext({ bypassCSP: true, viewport: { width: 360, height: 740 } });
        const page = await context.newPage();
        try {
          await page.goto(`${portal.url}/eservice/notices?s=${session.id}&lang=lv`);
          expect(await page.locator('h1').innerText()).toBe('E-pasta paziņojumi par rezultātiem');
          if (representative) {
            expect(await page.locator('main').innerText()).toContain('E-pasta paziņojumus var pieteikt tikai pati persona');
            expect(await page.locator('input[name="email"]').count()).toBe(0);
          } else {
            await page.getByLabel('E-pasta adrese', { exact: true }).fill('holder@example.lv');
            await page.getByRole('button', { name: 'Saglabāt un nosūtīt apstiprinājuma saiti' }).click();
            await page.waitForURL(/done=saved/);
            expect(await page.locator('main').innerText()).toContain('holder@example.lv');
          }
          await checkPage(page, `e-service, representative ${representative}`);
        } finally {
          await context.close();
        }
      }
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
