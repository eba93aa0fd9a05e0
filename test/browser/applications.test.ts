/**
 * Applying for the exams in a real browser (Debian's Chromium) at 360 px, with JavaScript on and off: a student
 * applies, reviews, submits, downloads the PDF receipt, changes a level, drops an exam, and after the window closes
 * (the portal's clock is the test's) can change nothing, a forged POST included; the agency then changes the
 * application with a reason and the student sees who did it. A school registers a class from a file with one bad
 * row (refused whole, row and column in the error table) and then a good file, prints its list, registers one
 * pupil by hand and records support measures, an exemption and an international certificate; a university
 * registers an external candidate with a certificate in the same step. Every application page passes axe-core's
 * WCAG 2.1 A/AA rules, and the student pages do not scroll sideways at 320 px.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { ensureDefaultWindows } from '../../src/data/applications.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { installCatalogue } from '../../src/data/catalogue.js';
import { saveStaffUser } from '../../src/data/staff.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { requireStudent } from '../../src/web/session.js';
import { axeViolations, launchChromium, BROWSER_TEST_TIMEOUT_MS } from '../support/browser.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { serveFetch, type Listening } from '../support/http-browser.js';
import { validPersonalCode } from '../support/register.js';

const run = promisify(execFile);

/** Inside the 2026/27 window (5 December 10:00 to 15 December 23:59, Latvian time). */
const OPEN = rigaToInstant({ year: 2026, month: 12, day: 8, hour: 12, minute: 0 });
/** The first minute after it. */
const CLOSED = rigaToInstant({ year: 2026, month: 12, day: 16, hour: 0, minute: 0 });

let test: TestDatabase;
let db: Kysely<Database>;
let sessions: WebSessionStore;
let portal: Listening;
let browser: Browser;
let dir: string;
let now = OPEN;
let schoolId: number;
/** One 12th grader per run (JavaScript on, off), enrolled at the school. */
const students: { personId: number; name: string }[] = [];
const tokens = { school: '', university: '', agency: '' };

const HEADER = 'personas kods;vārds;uzvārds;klase;svešvaloda;pamats;iesnieguma datums';

beforeAll(async () => {
  test = await openTestDatabase('sqlite');
  db = test.handle.db;
  await installCatalogue(db, 2026);
  await ensureDefaultWindows(db, 2026, 'test', OPEN);
  const institution = async (registrationNumber: string, name: string) =>
    (
      await db
        .insertInto('institutions')
        .values({ registration_number: registrationNumber, name, municipality: 'Rīga' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  schoolId = await institution('4000000201', 'Rīgas Ģimnāzija');
  await institution('3341000219', 'Latvijas Universitāte');
  for (const [i, name] of [
    ['Līga', 'Bērziņa'],
    ['Jānis', 'Ozoliņš'],
  ].entries()) {
    const person = await db
      .insertInto('persons')
      .values({ personal_code: validPersonalCode(962_001 + i), first_name: name[0]!, last_name: name[1]! })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('candidates')
      .values({
        code: `6${String(schoolId).padStart(4, '0')}000010${i}`,
        person_id: person.id,
        school_year: 2026,
        institution_id: schoolId,
        class_name: '12.a',
      })
      .execute();
    students.push({ personId: person.id, name: `${name[0]} ${name[1]}` });
  }
  sessions = new WebSessionStore(db, { idleMinutes: 720, touchDelayMs: 0 });
  const staffToken = async (n: number, role: 'school' | 'university' | 'agency', displayName: string, institution?: string) => {
    const userId = await saveStaffUser(db, { personalCode: validPersonalCode(962_100 + n), displayName, role, ...(institution ? { institution } : {}) });
    return (await sessions.create({ kind: 'staff', userId, provider: 'test', displayName })).token;
  };
  tokens.school = await staffToken(1, 'school', 'Skolotāja Ilze', '4000000201');
  tokens.university = await staffToken(2, 'university', 'Lietvede Dace', '3341000219');
  tokens.agency = await staffToken(3, 'agency', 'Aģentūras Andris');

  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  portal = await serveFetch(handler);
  handler.fetch = createApp({
    db,
    log: createLogger('silent'),
    auth: { sessions, oidc: new OidcLogin({ publicUrl: portal.url, providers: {} }), environment: 'test', publicUrl: portal.url },
    student: { requireStudent: requireStudent(), clock: () => now },
    staff: { clock: () => now, reports: { settings: DEFAULT_QUEUE_SETTINGS } },
  }).fetch;
  browser = await launchChromium();
  dir = mkdtempSync(join(tmpdir(), 'apply-browser-'));
}, BROWSER_TEST_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await portal?.close();
  await test?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function signedIn(token: string, javaScriptEnabled: boolean): Promise<BrowserContext> {
  // bypassCSP lets the test inject axe-core; the portal's own pages carry no inline script.
  const context = await browser.newContext({
    javaScriptEnabled,
    bypassCSP: true,
    viewport: { width: 360, height: 740 },
    acceptDownloads: true,
    locale: 'lv-LV',
  });
  await context.addCookies([{ name: 'sid', value: token, url: portal.url }]);
  return context;
}

async function studentContext(index: number, javaScriptEnabled: boolean): Promise<BrowserContext> {
  const { token } = await sessions.create({ kind: 'student', personId: students[index]!.personId, provider: 'test', displayName: students[index]!.name });
  return signedIn(token, javaScriptEnabled);
}

/** Sideways scrolling of the whole page in CSS pixels at the current width (0 or less: none). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
}

/**
 * axe-core finds nothing and the page fits 360 px (and, for the student pages, 320 px). With JavaScript off
 * neither axe-core nor the measuring script can run in the page: the same pages are checked in the run with it on.
 */
async function expectAccessible(page: Page, javaScriptEnabled: boolean, options: { narrow?: boolean } = {}): Promise<void> {
  if (!javaScriptEnabled) return;
  expect(await overflow(page), `${page.url()} scrolls sideways at 360 px`).toBeLessThanOrEqual(0);
  expect(await axeViolations(page), page.url()).toEqual([]);
  if (options.narrow) {
    await page.setViewportSize({ width: 320, height: 640 });
    expect(await overflow(page), `${page.url()} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 360, height: 740 });
  }
}

async function mainText(page: Page): Promise<string> {
  return (await page.locator('main').innerText()).replace(/\s+/g, ' ');
}

/** No message key shown raw on the page (`apply.refused.none` and the like). */
async function expectNoRawKeys(page: Page): Promise<void> {
  expect(await mainText(page)).not.toMatch(/\bapply(School)?\.[a-zA-Z-]+\.[a-zA-Z.-]+/);
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<Buffer> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await download.path())!);
}

async function pdfText(pdf: Buffer): Promise<string> {
  const file = join(dir, `${randomUUID()}.pdf`);
  writeFileSync(file, pdf);
  return (await run('pdftotext', ['-layout', file, '-'])).stdout;
}

/** Submits the choice page with one value per subject ("none" where not listed). */
async function choose(page: Page, choice: Record<string, string>): Promise<void> {
  for (const [subject, value] of Object.entries(choice)) await page.check(`input[name="subject-${subject}"][value="${value}"]`);
  await page.getByRole('button', { name: 'Turpināt' }).click();
}

async function applicationLines(personId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('application_lines')
    .innerJoin('applications', 'applications.id', 'application_lines.application_id')
    .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
    .select('exams.code')
    .where('applications.person_id', '=', personId)
    .execute();
  return rows.map((r) => r.code).sort();
}

for (const javaScriptEnabled of [true, false]) {
  const mode = `JavaScript ${javaScriptEnabled ? 'on' : 'off'}`;
  const index = javaScriptEnabled ? 0 : 1;

  describe(`applying in Chromium, ${mode}`, () => {
    it(
      'a student applies, reviews, submits, downloads the receipt, changes a level, drops an exam; after the window nothing changes, and the agency’s late change shows with its reason',
      async () => {
        now = OPEN;
        const student = students[index]!;
        const context = await studentContext(index, javaScriptEnabled);
        const page = await context.newPage();
        await page.goto(`${portal.url}/apply`);
        expect(await mainText(page)).toContain('Pieteikšanās notiek līdz 15.12.2026 23:59');
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.getByRole('link', { name: 'Pieteikties eksāmeniem', exact: true }).click();
        await page.waitForURL(`${portal.url}/apply/choose`);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });

        // Nothing chosen: refused with a sentence in the error summary, linked to the first subject.
        await page.getByRole('button', { name: 'Turpināt' }).click();
        expect(await page.locator('.error-summary').innerText()).toContain('Izvēlies vismaz vienu eksāmenu.');
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });

        await choose(page, { LAT: 'LATOL', MAT: 'MATOL', ANG: 'ANGOL' });
        expect(await page.locator('h1').innerText()).toBe('Pārbaudi savu izvēli');
        const review = await mainText(page);
        for (const code of ['LATOL', 'MATOL', 'ANGOL']) expect(review).toContain(code);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
        await page.getByRole('button', { name: 'Iesniegt pieteikumu' }).click();
        await page.waitForURL(/\/apply\/applications\/\d+\?done=submitted$/);
        const applicationPath = new URL(page.url()).pathname;
        const confirmation = await mainText(page);
        expect(confirmation).toContain('Pieteikums iesniegts');
        expect(confirmation).toContain('Saglabāts 08.12.2026 12:00');
        expect(confirmation).toContain('iesniegts');
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        expect(await applicationLines(student.personId)).toEqual(['ANGOL', 'LATOL', 'MATOL']);

        const receipt = await downloaded(page, () => page.getByRole('link', { name: 'Lejupielādēt apstiprinājumu' }).click());
        expect(receipt.subarray(0, 5).toString()).toBe('%PDF-');
        const receiptText = await pdfText(receipt);
        expect(receiptText).toContain(student.name);
        for (const code of ['LATOL', 'MATOL', 'ANGOL']) expect(receiptText).toContain(code);

        // A level changes: mathematics from optimal to higher.
        await page.getByRole('link', { name: 'Mainīt pieteikumu' }).click();
        await page.waitForURL(`${portal.url}/apply/choose`);
        expect(await page.locator('input[name="subject-MAT"][value="MATOL"]').isChecked()).toBe(true);
        await choose(page, { MAT: 'MATAL' });
        await page.getByRole('button', { name: 'Saglabāt izmaiņas' }).click();
        await page.waitForURL(/\?done=changed$/);
        expect(await mainText(page)).toContain('Līmenis mainīts: MATOL → MATAL.');
        expect(await applicationLines(student.personId)).toEqual(['ANGOL', 'LATOL', 'MATAL']);

        // One exam is dropped ("not taking"), the rest of the application stays.
        await page.getByRole('link', { name: 'Mainīt pieteikumu' }).click();
        await choose(page, { ANG: 'none' });
        await page.getByRole('button', { name: 'Saglabāt izmaiņas' }).click();
        await page.waitForURL(/\?done=changed$/);
        expect(await mainText(page)).toContain('Izņemti: ANGOL.');
        expect(await applicationLines(student.personId)).toEqual(['LATOL', 'MATAL']);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });

        // The withdrawal asks first; going back leaves the application as it was.
        await page.getByRole('link', { name: 'Atsaukt visu pieteikumu' }).click();
        await page.waitForURL(`${portal.url}${applicationPath}/withdraw`);
        expect(await mainText(page)).toContain('LATOL, MATAL');
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.getByRole('link', { name: 'Nē, atgriezties' }).click();
        await page.waitForURL(`${portal.url}${applicationPath}`);

        // The window closes: the page says so and offers no form, and a forged POST is refused.
        now = CLOSED;
        await page.goto(`${portal.url}${applicationPath}`);
        const closed = await mainText(page);
        expect(closed).toContain('Pieteikšanās beidzās 15.12.2026 23:59');
        expect(closed).toContain('sazinies ar savu skolu vai aģentūru');
        expect(await page.locator('main form').count()).toBe(0);
        expect(await page.locator(`a[href="/apply/choose"], a[href="${applicationPath}/withdraw"]`).count()).toBe(0);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.goto(`${portal.url}/apply`);
        expect(await mainText(page)).toContain('Pieteikšanās beidzās 15.12.2026 23:59');
        expect(await page.locator('a[href="/apply/choose"]').count()).toBe(0);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.goto(`${portal.url}/apply/choose`);
        expect(new URL(page.url()).pathname).toBe('/apply');

        const forged = async (path: string, form: Record<string, string>) =>
          context.request.post(`${portal.url}${path}`, { form: { _csrf: csrf, ...form }, headers: { Origin: portal.url }, maxRedirects: 0 });
        const submit = await forged('/apply/submit', { idempotency_key: randomUUID(), exams: 'LATOL,MATOL,ANGAL' });
        expect(submit.status()).toBe(303);
        const withdraw = await forged(`${applicationPath}/withdraw`, { idempotency_key: randomUUID() });
        expect(withdraw.status()).toBe(303);
        expect(await applicationLines(student.personId)).toEqual(['LATOL', 'MATAL']);
        await page.goto(new URL(submit.headers()['location']!, portal.url).href);
        expect(await page.locator('.error-summary').innerText()).toContain('Pieteikšanās laiks ir beidzies, tāpēc pieteikumu mainīt vairs nevar.');
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.goto(`${portal.url}/apply?lang=en`);
        await page.goto(new URL(submit.headers()['location']!, portal.url).href);
        expect(await page.locator('.error-summary').innerText()).toMatch(/^[A-Z].*\.$/s);
        await expectNoRawKeys(page);
        await page.goto(`${portal.url}/apply?lang=lv`);

        // The school's page says the same: only the agency changes applications now, and it offers no form.
        const school = await signedIn(tokens.school, javaScriptEnabled);
        const schoolPage = await school.newPage();
        await schoolPage.goto(`${portal.url}/staff/applications`);
        expect(await mainText(schoolPage)).toContain('Pieteikumus tagad var mainīt tikai aģentūra');
        expect(await schoolPage.locator('main form').count()).toBe(0);
        await expectAccessible(schoolPage, javaScriptEnabled);
        await school.close();

        // The agency changes it after the deadline: a reason is required, and the student sees who and why.
        const code = (
          await db
            .selectFrom('applications')
            .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
            .select('candidates.code')
            .where('applications.person_id', '=', student.personId)
            .executeTakeFirstOrThrow()
        ).code;
        const agency = await signedIn(tokens.agency, javaScriptEnabled);
        const staffPage = await agency.newPage();
        await staffPage.goto(`${portal.url}/staff/agency/applications`);
        await expectAccessible(staffPage, javaScriptEnabled);
        await staffPage.fill('#code', code);
        await staffPage.getByRole('button', { name: 'Meklēt' }).click();
        await staffPage.getByRole('link', { name: new RegExp(code) }).click();
        await staffPage.waitForURL(/\/staff\/agency\/applications\/\d+$/);
        await expectAccessible(staffPage, javaScriptEnabled);
        await staffPage.uncheck('input[name="exams"][value="MATAL"]');
        await staffPage.check('input[name="exams"][value="MATOL"]');
        await staffPage.getByRole('button', { name: 'Saglabāt izmaiņas ar iemeslu' }).click();
        expect(await staffPage.locator('.error-summary').innerText()).toContain('Norādiet izmaiņu iemeslu.');
        await expectAccessible(staffPage, javaScriptEnabled);
        expect(await applicationLines(student.personId)).toEqual(['LATOL', 'MATAL']);
        await staffPage.fill('#reason', 'Skolas vēstule Nr. 12: līmenis norādīts kļūdaini');
        await staffPage.getByRole('button', { name: 'Saglabāt izmaiņas ar iemeslu' }).click();
        await staffPage.waitForURL(/\?done=changed$/);
        expect(await mainText(staffPage)).toContain('Skolas vēstule Nr. 12');
        expect(await applicationLines(student.personId)).toEqual(['LATOL', 'MATOL']);
        await agency.close();

        await page.goto(`${portal.url}${applicationPath}`);
        const history = await page.locator('.history li').last().innerText();
        expect(history).toContain('Aģentūras Andris');
        expect(history).toContain('(aģentūra)');
        expect(history).toContain('Iemesls: Skolas vēstule Nr. 12: līmenis norādīts kļūdaini.');
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await context.close();
        now = OPEN;
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'before the window a student is told when it opens, and the application pages read in English too',
      async () => {
        const context = await studentContext(index, javaScriptEnabled);
        const page = await context.newPage();
        now = rigaToInstant({ year: 2026, month: 12, day: 1, hour: 9, minute: 0 });
        await page.goto(`${portal.url}/apply`);
        expect(await mainText(page)).toContain('Pieteikšanās sāksies 05.12.2026 10:00');
        expect(await page.locator('a[href="/apply/choose"]').count()).toBe(0);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });

        now = OPEN;
        await page.goto(`${portal.url}/apply?lang=en`);
        expect(await mainText(page)).toContain('Applications are open until 15.12.2026 23:59');
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await page.goto(`${portal.url}/apply/choose`);
        // The application made in the first test is chosen already: "not taking" everywhere is refused.
        for (const radio of await page.locator('input[type="radio"][value="none"]').all()) await radio.check();
        await page.getByRole('button', { name: 'Continue' }).click();
        expect(await page.locator('.error-summary').innerText()).toContain('Choose at least one exam.');
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled, { narrow: true });
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'a school registers a class from a file (one bad row refuses it whole), then the good file, prints its list, registers one pupil and records support, an exemption and a certificate',
      async () => {
        now = OPEN;
        const context = await signedIn(tokens.school, javaScriptEnabled);
        const page = await context.newPage();
        await page.goto(`${portal.url}/staff/applications`);
        await expectAccessible(page, javaScriptEnabled);
        const base = 963_000 + index * 100;
        const pupils = [0, 1, 2].map((i) => validPersonalCode(base + i));
        const surname = (i: number) => `Kalniņa-${index}${i}`;
        const upload = async (name: string, lines: string[]) => {
          await page.setInputFiles('input[name="file"]', { name, mimeType: 'text/csv', buffer: Buffer.from([HEADER, ...lines].join('\n')) });
          await page.getByRole('button', { name: 'Augšupielādēt un pieteikt' }).click();
          await page.waitForLoadState();
        };
        const row = (i: number, language: string) => `${pupils[i]};Anna;${surname(i)};9.b;${language};skolēns;2026-12-07`;

        await upload('bad.csv', [row(0, 'ANG09'), row(1, 'spāņu'), row(2, 'vācu valoda')]);
        expect(await page.locator('.error-summary').innerText()).toContain('Datne noraidīta');
        const problems = page.locator('table.class-list-problems tbody tr');
        expect(await problems.count()).toBe(1);
        expect(await problems.first().locator('td').allInnerTexts()).toEqual(['3', 'svešvaloda', expect.stringContaining('“spāņu” nav piedāvāta svešvaloda')]);
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled);
        expect(await db.selectFrom('persons').select('id').where('personal_code', 'in', pupils).execute()).toEqual([]);

        await upload('good.csv', [row(0, 'ANG09'), row(1, 'angļu valoda'), row(2, 'vācu valoda')]);
        await page.waitForURL(/\/staff\/applications\?done=3$/);
        const list = await mainText(page);
        for (const i of [0, 1, 2]) expect(list).toContain(surname(i));
        await expectAccessible(page, javaScriptEnabled);

        await page.getByRole('link', { name: 'Drukāt sarakstu' }).click();
        await page.waitForURL(/\?print=1$/);
        const printed = await mainText(page);
        expect(printed).toContain('Pieteiktie: Rīgas Ģimnāzija, 2026/2027');
        for (const i of [0, 1, 2]) expect(printed).toContain(surname(i));
        await expectAccessible(page, javaScriptEnabled);

        // One pupil by hand: the empty form first names every problem, then the filled one registers.
        await page.goto(`${portal.url}/staff/applications`);
        await page.getByRole('button', { name: 'Pieteikt skolēnu' }).click();
        expect(await page.locator('.error-summary li').count()).toBeGreaterThanOrEqual(4);
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled);
        await page.fill('#personal_code', validPersonalCode(base + 50));
        await page.fill('#first_name', 'Pēteris');
        await page.fill('#last_name', `Zariņš-${index}`);
        await page.fill('#class_name', '9.a');
        await page.check('input[name="foreign_language"][value="ANG09"]');
        await page.check('input[name="basis"][value="representative"]');
        await page.fill('#basis_date', '2026-12-07');
        await page.getByRole('button', { name: 'Pieteikt skolēnu' }).click();
        await page.waitForURL(/\/staff\/applications\/\d+\?done=registered$/);
        expect(await mainText(page)).toMatch(/Kārtotāja kods \d{12}/);

        // Support measures, an exemption and an international certificate on that application.
        await page.check('input[name="measures"][value="extra-time-30"]');
        await page.getByRole('button', { name: 'Saglabāt atbalsta pasākumus' }).click();
        await page.waitForURL(/\?done=support$/);
        expect(await page.locator('input[name="measures"][value="extra-time-30"]').isChecked()).toBe(true);
        await page.selectOption('#line', { label: 'MAT09' });
        await page.fill('#order_number', `R-${index}`);
        await page.fill('#order_date', '2026-12-01');
        await page.fill('#specialist_statement', 'Pedagoģiski medicīniskā komisija Nr. 5');
        await page.getByRole('button', { name: 'Reģistrēt atbrīvojumu' }).click();
        await page.waitForURL(/\?done=exemption$/);
        await page.selectOption('#certificate_line', { label: 'ANG09' });
        await page.fill('#certificate_name', 'Cambridge B1 Preliminary');
        await page.selectOption('#certificate_level', 'B1');
        await page.fill('#certificate_number', `CB-${index}`);
        await page.getByRole('button', { name: 'Reģistrēt sertifikātu' }).click();
        // B1 does not replace the 9th grade's exam: refused with the reason, in a sentence.
        expect(await page.locator('.error-summary').innerText()).toContain('vajadzīgs vismaz B2');
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled);
        await page.selectOption('#certificate_line', { label: 'ANG09' });
        await page.fill('#certificate_name', 'Cambridge B2 First');
        await page.selectOption('#certificate_level', 'B2');
        await page.fill('#certificate_number', `CB-${index}`);
        await page.getByRole('button', { name: 'Reģistrēt sertifikātu' }).click();
        await page.waitForURL(/\?done=certificate$/);
        const detail = await mainText(page);
        expect(detail).toContain(`rīkojums Nr. R-${index}`);
        expect(detail).toContain(`Cambridge B2 First B2 CB-${index}`);
        await expectAccessible(page, javaScriptEnabled);
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'a university registers an external candidate with an international certificate in the same step, who gets a candidate code',
      async () => {
        now = OPEN;
        const context = await signedIn(tokens.university, javaScriptEnabled);
        const page = await context.newPage();
        await page.goto(`${portal.url}/staff/applications`);
        await expectAccessible(page, javaScriptEnabled);
        const fill = async (level: string) => {
          await page.fill('#personal_code', validPersonalCode(964_000 + index));
          await page.fill('#first_name', 'Kārlis');
          await page.fill('#last_name', `Eksterns-${index}`);
          await page.check('input[name="exams"][value="MATOL"]');
          await page.check('input[name="exams"][value="ANGAL"]');
          await page.selectOption('#certificate_exam', 'ANGAL');
          await page.fill('#certificate_name', 'IELTS Academic');
          await page.selectOption('#certificate_level', level);
          await page.fill('#certificate_number', `IELTS-${index}`);
          await page.getByRole('button', { name: 'Pieteikt eksternu' }).click();
        };
        // B2 does not replace the higher level: refused with the reason, nothing saved.
        await fill('B2');
        expect(await page.locator('.error-summary').innerText()).toContain('Sertifikāts B2 līmenī neaizstāj augstākā līmeņa eksāmenu: vajadzīgs vismaz C1.');
        await expectNoRawKeys(page);
        await expectAccessible(page, javaScriptEnabled);
        expect(
          await db
            .selectFrom('persons')
            .select('id')
            .where('personal_code', '=', validPersonalCode(964_000 + index))
            .execute(),
        ).toEqual([]);

        await fill('C1');
        await page.waitForURL(/\/staff\/applications\/\d+\?done=registered$/);
        const detail = await mainText(page);
        const code = /Kārtotāja kods (\d{12})/.exec(detail)?.[1];
        expect(code).toBeDefined();
        expect(detail).toContain(`IELTS Academic C1 IELTS-${index}`);
        await expectAccessible(page, javaScriptEnabled);
        const saved = await db
          .selectFrom('applications')
          .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
          .innerJoin('persons', 'persons.id', 'applications.person_id')
          .select(['candidates.code', 'applications.exam_group'])
          .where('persons.personal_code', '=', validPersonalCode(964_000 + index))
          .executeTakeFirstOrThrow();
        expect(saved).toEqual({ code, exam_group: 'external' });
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );

    it(
      'the agency’s windows page shows every group’s window and saves one',
      async () => {
        now = OPEN;
        const context = await signedIn(tokens.agency, javaScriptEnabled);
        const page = await context.newPage();
        await page.goto(`${portal.url}/staff/agency/applications/windows`);
        expect(await page.locator('fieldset legend').allInnerTexts()).toHaveLength(3);
        await expectAccessible(page, javaScriptEnabled);
        await page.fill('#closes-external', '2026-12-16T23:59');
        await page
          .locator('form', { has: page.locator('#closes-external') })
          .getByRole('button', { name: 'Saglabāt' })
          .click();
        await page.waitForURL(/done=saved$/);
        expect(await mainText(page)).toContain('Pieteikšanās laiks saglabāts.');
        expect(await mainText(page)).toContain('16.12.2026 23:59');
        await expectAccessible(page, javaScriptEnabled);
        await context.close();
      },
      BROWSER_TEST_TIMEOUT_MS,
    );
  });
}
