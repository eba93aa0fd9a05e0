/**
 * Paper copies, on every database: requested inside the embed (delivery, review, confirmation), at most one open
 * request per certificate (refused by the page, and by the database itself however the second one comes), the
 * status shown to the person, agency staff moving requests on and ordering the day's postal list, a school user
 * getting nothing, and requests surviving a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/connect.js';
import { OidcLogin } from '../../src/auth/oidc.js';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { runReport } from '../../src/reports/run.js';
import { readWithLibreOffice } from '../reports/libreoffice.js';
import { storedFile } from '../reports/jobs.js';
import { createPaperRequest, PaperRequestError, paperRequestsOfPerson, postalListRows, advancePaperRequest } from '../../src/data/paper-requests.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { maskPersonalCode } from '../../src/domain/personal-code.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';
import { agencyUser, schoolUser } from '../support/staff.js';
import { parsePaperForm } from '../../src/eservice/paper-form.js';
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
} from './fixture.js';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const SAME_ORIGIN = { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' };

describe('the paper request form', () => {
  it('takes a Latvian address and writes its postcode as LV-NNNN, or a pick-up', () => {
    const address = { delivery: 'post', recipient: ' Anna  Kalniņa ', line1: 'Brīvības iela 1-2', city: 'Rīga', postcode: '1050', country: 'Latvija' };
    expect(parsePaperForm(address)).toEqual({
      ok: true,
      value: {
        delivery: 'post',
        address: { recipient: 'Anna Kalniņa', line1: 'Brīvības iela 1-2', line2: null, city: 'Rīga', postcode: 'LV-1050', country: 'Latvija' },
      },
    });
    expect(parsePaperForm({ ...address, country: 'Ireland', postcode: 'D02 X285' })).toMatchObject({ ok: true });
    expect(parsePaperForm({ delivery: 'pickup', recipient: 'ignored' })).toEqual({ ok: true, value: { delivery: 'pickup' } });
  });

  it('names every missing or wrong field', () => {
    expect(parsePaperForm({})).toEqual({ ok: false, problems: [{ field: 'delivery', problem: 'required' }] });
    expect(parsePaperForm({ delivery: 'post', country: 'Latvija', postcode: 'LV-12' })).toEqual({
      ok: false,
      problems: [
        { field: 'recipient', problem: 'required' },
        { field: 'line1', problem: 'required' },
        { field: 'city', problem: 'required' },
        { field: 'postcode', problem: 'invalid' },
      ],
    });
    expect(parsePaperForm({ delivery: 'post', recipient: 'x'.repeat(121), line1: 'a', city: 'b', postcode: 'LV-1000', country: 'LV' })).toEqual({
      ok: false,
      problems: [{ field: 'recipient', problem: 'too-long' }],
    });
  });
});

describe.each(DATABASE_KINDS)('paper copies on %s', (kind) => {
  let test: TestDatabase;
  let register: EserviceRegister;
  let key: SigningKey;
  let now = new Date('2026-09-01T10:00:00Z');
  let app: ReturnType<typeof createApp>;
  let sessions: WebSessionStore;
  let agencyCookie: string;
  let schoolCookie: string;
  const db = () => test.handle.db;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    register = await seedEserviceRegister(db());
    key = await signingKey();
    sessions = new WebSessionStore(db(), { idleMinutes: 30, touchDelayMs: 0 });
    app = createApp({
      db: db(),
      log: createLogger('silent'),
      auth: { sessions, oidc: new OidcLogin({ publicUrl: PUBLIC_URL, providers: {} }), environment: 'test', publicUrl: PUBLIC_URL },
      staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS }, clock: () => now },
      eservice: {
        verify: verifierFor(db(), key, () => now),
        origins: ['https://www.latvija.lv'],
        publicUrl: PUBLIC_URL,
        token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
        clock: () => now,
      },
    });
    const cookie = async (userId: number) => `sid=${(await sessions.create({ kind: 'staff', userId, provider: 'test', displayName: `User ${userId}` })).token}`;
    agencyCookie = await cookie(await agencyUser(db(), validPersonalCode(650_001)));
    const institution = await db().selectFrom('institutions').select('id').limit(1).executeTakeFirstOrThrow();
    schoolCookie = await cookie(await schoolUser(db(), institution.id, validPersonalCode(650_002)));
  });
  afterAll(async () => test?.close());

  /** Opens the embed for a person and returns its session id. */
  const embedSession = async (personalCode: string, represented?: string) => {
    const res = await app.request(`/eservice/certificates?token=${await token(key, { personalCode, now, ...(represented ? { represented } : {}) })}`);
    return /s=([\w-]{43})/.exec(res.headers.get('location')!)![1]!;
  };
  const paperPath = (number: string) => `/eservice/paper/${encodeURIComponent(number)}`;
  const post = (path: string, form: Record<string, string>, headers: Record<string, string> = SAME_ORIGIN) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const address = {
    delivery: 'post',
    recipient: 'Anna Kalniņa',
    line1: 'Brīvības iela 10-5',
    line2: '',
    city: 'Rīga',
    postcode: 'LV-1010',
    country: 'Latvija',
  };
  const requestsOf = (number: string) =>
    db()
      .selectFrom('paper_requests')
      .innerJoin('certificates', 'certificates.id', 'paper_requests.certificate_id')
      .selectAll('paper_requests')
      .where('certificates.number', '=', number)
      .orderBy('paper_requests.id')
      .execute();

  it('asks for delivery, shows the request for review, and files it on confirmation', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    const number = register.numbers.kumalOf2025;
    const form = await app.request(`${paperPath(number)}?s=${s}&lang=lv`);
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    expect(formHtml).toContain('<h1>Sertifikāta papīra kopijas pieprasījums</h1>');
    expect(formHtml).toContain(number);
    expect(formHtml).toContain(`name="s" value="${s}"`);
    expect(formHtml).toContain(`value="${register.holder.firstName} ${register.holder.lastName}"`);
    expect(formHtml).toContain('klientu apkalpošanas vietā');

    const missing = await post(`${paperPath(number)}?lang=lv`, { s, delivery: 'post', step: 'review' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Šis lauks ir obligāts.');

    const review = await post(`${paperPath(number)}?lang=lv`, { s, ...address, step: 'review' });
    expect(review.status).toBe(200);
    const reviewHtml = await review.text();
    expect(reviewHtml).toContain('Pārbaudiet un apstipriniet pieprasījumu');
    expect(reviewHtml).toContain('Brīvības iela 10-5');
    expect(await requestsOf(number)).toEqual([]);

    const confirmed = await post(`${paperPath(number)}?lang=lv`, { s, ...address, step: 'confirm' });
    expect(confirmed.status).toBe(303);
    const confirmation = await (await app.request(confirmed.headers.get('location')!)).text();
    expect(confirmation).toContain('<h1>Pieprasījums saņemts</h1>');
    const reference = /<strong class="reference">(P-[0-9A-Z]{4}-[0-9A-Z]{4})<\/strong>/.exec(confirmation)![1];
    const list = await app.request(`/eservice/certificates?s=${s}&lang=lv`);
    const listHtml = await list.text();
    expect(listHtml).toContain(`pieprasījums saņemts 01.09.2026, nosūtīsim pa pastu (pieprasījuma nr. <span class="reference">${reference}</span>)`);
    // No second request button for it while it is open; the other valid certificate still has one.
    expect(listHtml.match(/Pieprasīt papīra formā/g)).toHaveLength(1);
    const stored = await requestsOf(number);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      reference,
      delivery: 'post',
      status: 'received',
      recipient: 'Anna Kalniņa',
      postcode: 'LV-1010',
      address_line2: null,
      requested_by_code: register.holder.personalCode,
      representative: 0,
      channel: 'eservice',
    });
    const audit = await db()
      .selectFrom('audit_log')
      .select(['actor', 'channel'])
      .where('action', '=', 'paper-request.create')
      .where('subject', '=', `certificate:${number}`)
      .execute();
    expect(audit).toEqual([{ actor: `person:${register.holder.personId}`, channel: 'eservice' }]);
  });

  it('refuses a second open request for the same certificate, in the page and in the database', async () => {
    now = new Date('2026-09-01T11:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    const number = register.numbers.kumalOf2025;
    const form = await (await app.request(`${paperPath(number)}?s=${s}`)).text();
    expect(form).toContain('jau ir papīra kopijas pieprasījums');
    expect(form).not.toContain('<form method="post"');
    const again = await post(paperPath(number), { s, delivery: 'pickup', step: 'confirm' });
    expect(again.status).toBe(409);
    expect(await requestsOf(number)).toHaveLength(1);

    // Straight to the data layer (two pages open at once): the partial unique index refuses it.
    const certificate = await db().selectFrom('certificates').select('id').where('number', '=', number).executeTakeFirstOrThrow();
    const subject = { personId: register.holder.personId, actorCode: register.holder.personalCode, representative: false };
    await expect(
      createPaperRequest(db(), { certificateId: certificate.id, certificateNumber: number, subject, choice: { delivery: 'pickup' } }, now),
    ).rejects.toBeInstanceOf(PaperRequestError);
    await expect(
      db()
        .insertInto('paper_requests')
        .values({
          certificate_id: certificate.id,
          person_id: register.holder.personId,
          requested_by_code: register.holder.personalCode,
          channel: 'eservice',
          delivery: 'pickup',
          status: 'received',
          requested_at: now.toISOString(),
          reference: 'P-TEST-0001',
        })
        .execute(),
    ).rejects.toThrow();
    expect(await requestsOf(number)).toHaveLength(1);
    // Checks in the schema: an address for post, none for pick-up, times that match the status.
    await expect(
      db()
        .insertInto('paper_requests')
        .values({
          certificate_id: certificate.id,
          person_id: register.holder.personId,
          requested_by_code: register.holder.personalCode,
          channel: 'eservice',
          delivery: 'post',
          status: 'sent',
          requested_at: now.toISOString(),
          reference: 'P-TEST-0002',
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('files a representative’s request for the child and records who acted', async () => {
    now = new Date('2026-09-01T12:00:00Z');
    const s = await embedSession(register.parentCode, register.child.personalCode);
    const res = await post(paperPath(register.numbers.childLat09), { s, delivery: 'pickup', step: 'confirm' });
    expect(res.status).toBe(303);
    expect(await requestsOf(register.numbers.childLat09)).toMatchObject([
      { person_id: register.child.personId, requested_by_code: register.parentCode, representative: 1, delivery: 'pickup', recipient: null },
    ]);
    const audit = await db()
      .selectFrom('audit_log')
      .select(['actor', 'actor_personal_code', 'details'])
      .where('action', '=', 'paper-request.create')
      .where('subject', '=', `certificate:${register.numbers.childLat09}`)
      .executeTakeFirstOrThrow();
    expect(audit.actor).toBe(`representative:${maskPersonalCode(register.parentCode)}`);
    expect(audit.actor_personal_code).toBe(register.parentCode);
    expect(JSON.parse(audit.details!)).toMatchObject({ delivery: 'pickup', representative: true, onBehalfOf: `person:${register.child.personId}` });
  });

  it('refuses forms from another origin, without a live session, for an annulled or someone else’s certificate', async () => {
    now = new Date('2026-09-01T13:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    const number = register.numbers.lat09Of2022;
    expect(
      (await post(paperPath(number), { s, delivery: 'pickup', step: 'confirm' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status,
    ).toBe(403);
    expect((await post(paperPath(number), { s, delivery: 'pickup', step: 'confirm' }, {})).status).toBe(403);
    expect((await post(paperPath(number), { s: 'A'.repeat(43), delivery: 'pickup', step: 'confirm' })).status).toBe(401);
    expect((await app.request(`${paperPath(register.numbers.mat09Of2022Annulled)}?s=${s}`)).status).toBe(404);
    expect((await app.request(`${paperPath(register.numbers.otherKumal)}?s=${s}`)).status).toBe(404);
    expect((await post(paperPath(register.numbers.otherKumal), { s, delivery: 'pickup', step: 'confirm' })).status).toBe(404);
    expect(await requestsOf(number)).toEqual([]);
    expect(await requestsOf(register.numbers.otherKumal)).toEqual([]);
  });

  it('gives agency staff the list with filters, one step at a time, and the postal list through the report queue', async () => {
    now = new Date('2026-09-02T08:00:00Z');
    const get = (path: string, cookie = agencyCookie) => app.request(path, { headers: { cookie } });
    const page = await (await get('/staff/paper-requests')).text();
    expect(page).toContain('<h1>Sertifikātu papīra kopiju pieprasījumi</h1>');
    expect(page).toContain(register.numbers.kumalOf2025);
    expect(page).toContain(register.numbers.childLat09);
    expect(page).toContain('pieprasīja pārstāvis');
    expect(page).toContain('href="/staff/paper-requests" aria-current="page"');
    const pickupOnly = await (await get('/staff/paper-requests?status=open&delivery=pickup')).text();
    expect(pickupOnly).toContain(register.numbers.childLat09);
    expect(pickupOnly).not.toContain(register.numbers.kumalOf2025);
    const earlier = await (await get('/staff/paper-requests?status=all&from=2026-08-01&to=2026-08-31')).text();
    expect(earlier).toContain('Nav pieprasījumu ar šiem nosacījumiem.');

    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const [request] = await requestsOf(register.numbers.kumalOf2025);
    const step = (path: string, form: Record<string, string>) =>
      app.request(path, {
        method: 'POST',
        headers: { cookie: agencyCookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    expect((await step(`/staff/paper-requests/${request!.id}/printed`, { filters: 'status=open' })).status).toBe(403);
    // Sent before printed is refused; printed, then sent, go through.
    const skipped = await step(`/staff/paper-requests/${request!.id}/sent`, { _csrf: csrf, filters: 'status=open' });
    expect(skipped.status).toBe(409);
    expect(await skipped.text()).toContain('Pieprasījumu nevar atzīmēt');
    const printed = await step(`/staff/paper-requests/${request!.id}/printed`, { _csrf: csrf, filters: 'status=open&delivery=post' });
    expect(printed.status).toBe(303);
    expect(printed.headers.get('location')).toBe(`/staff/paper-requests?status=open&delivery=post&done=printed#request-${request!.id}`);
    expect((await step(`/staff/paper-requests/${request!.id}/printed`, { _csrf: csrf })).status).toBe(409);
    expect((await step(`/staff/paper-requests/${request!.id}/sent`, { _csrf: csrf })).status).toBe(303);
    const [sent] = await requestsOf(register.numbers.kumalOf2025);
    expect(sent).toMatchObject({ status: 'sent', printed_at: now.toISOString(), sent_at: now.toISOString() });
    expect(sent!.printed_by).not.toBeNull();

    // The person sees it as posted, and may ask again.
    const s = await embedSession(register.holder.personalCode);
    const list = await (await app.request(`/eservice/certificates?s=${s}`)).text();
    expect(list).toContain('nosūtīta pa pastu 02.09.2026');
    expect(list.match(/Pieprasīt papīra formā/g)).toHaveLength(2);

    // The postal list of the day: the rows, and the queued report job.
    const rows = [];
    for await (const batch of postalListRows(db(), '2026-09-02')) rows.push(...batch);
    expect(rows).toEqual([
      expect.objectContaining({
        certificateNumber: register.numbers.kumalOf2025,
        recipient: 'Anna Kalniņa',
        addressLine1: 'Brīvības iela 10-5',
        postcode: 'LV-1010',
        city: 'Rīga',
        country: 'Latvija',
      }),
    ]);
    const none = [];
    for await (const batch of postalListRows(db(), '2026-09-03')) none.push(...batch);
    expect(none).toEqual([]);
    const queued = await step('/staff/paper-requests/postal-list', { _csrf: csrf, date: '2026-09-02' });
    expect(queued.status).toBe(303);
    expect(queued.headers.get('location')).toMatch(/^\/staff\/reports#report-\d+$/);
    const job = await db().selectFrom('report_jobs').selectAll().where('type', '=', 'postal-list').executeTakeFirstOrThrow();
    expect(job).toMatchObject({ format: 'xlsx', status: 'queued', institution_id: null });
    expect(JSON.parse(job.parameters)).toEqual({ request: { type: 'postal-list', date: '2026-09-02' }, lang: 'lv' });

    // The runner makes it into a spreadsheet with the posted request, as LibreOffice reads it.
    const claimed = await claimNextReport(db(), 'runner-test', DEFAULT_QUEUE_SETTINGS);
    expect(claimed?.id).toBe(job.id);
    const task = { jobId: job.id, runnerId: 'runner-test', type: job.type, format: job.format, institutionId: null, parameters: JSON.parse(job.parameters) };
    expect(await runReport(db(), task)).toMatchObject({ fileName: `pasta-saraksts-${job.id}.xlsx`, rows: 1 });
    const { postal } = await readWithLibreOffice({ postal: await storedFile(db(), job.id) });
    expect(postal![0]![0]!.value).toMatch(/^Pasta saraksts — Nosūtīšanas diena: 02\.09\.2026 — Sagatavots /);
    expect(postal!.slice(1).map((row) => row.map((cell) => cell.value))).toEqual([
      [
        'Pieprasījums',
        'Sertifikāta numurs',
        'Sertifikāta īpašnieks',
        'Saņēmējs',
        'Adrese',
        'Adreses turpinājums',
        'Pilsēta',
        'Pasta indekss',
        'Valsts',
        'Pieprasīts',
        'Nosūtīts',
      ],
      [
        String(request!.id),
        register.numbers.kumalOf2025,
        `${register.holder.firstName} ${register.holder.lastName}`,
        'Anna Kalniņa',
        'Brīvības iela 10-5',
        '',
        'Rīga',
        'LV-1010',
        'Latvija',
        expect.stringMatching(/^\d\d\.\d\d\.2026$/),
        '02.09.2026',
      ],
    ]);
    // A school's job for it is refused with a reason, not run.
    await expect(runReport(db(), { ...task, institutionId: 1 })).rejects.toMatchObject({ key: 'agency-only' });
  });

  it('does not exist for a school user', async () => {
    expect((await app.request('/staff/paper-requests', { headers: { cookie: schoolCookie } })).status).toBe(404);
    const page = await (await app.request('/staff/sessions', { headers: { cookie: schoolCookie } })).text();
    expect(page).not.toContain('/staff/paper-requests');
    expect((await app.request('/staff/paper-requests')).status).toBe(302);
  });

  it('keeps the person’s view of their requests in the data layer too', async () => {
    const requests = await paperRequestsOfPerson(db(), register.holder.personId);
    expect([...requests.values()].map((r) => r.status)).toEqual(['sent']);
  });
});

describe.each(DATABASE_KINDS)('paper requests across a restart on %s', (kind) => {
  let dir: string | undefined;
  const schema = `test_restart_${process.pid}_${randomBytes(4).toString('hex')}`;
  const open = (): DatabaseHandle => {
    if (kind === 'sqlite') return openDatabase({ url: join(dir!, 'portal.db') });
    return openDatabase({ url: process.env.TEST_DATABASE_URL!, schema, poolSize: 2 });
  };

  beforeAll(() => {
    if (kind === 'sqlite') dir = mkdtempSync(join(tmpdir(), 'paper-restart-'));
  });
  afterAll(async () => {
    if (kind === 'postgres') {
      const handle = open();
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.db.destroy();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('still has the request, and still refuses a duplicate, after the database is closed and opened again', async () => {
    let handle = open();
    await prepareDatabase(handle, kind === 'postgres' ? schema : undefined);
    const register = await seedEserviceRegister(handle.db);
    const certificate = await handle.db.selectFrom('certificates').select('id').where('number', '=', register.numbers.kumalOf2025).executeTakeFirstOrThrow();
    const subject = { personId: register.holder.personId, actorCode: register.holder.personalCode, representative: false };
    const request = { certificateId: certificate.id, certificateNumber: register.numbers.kumalOf2025, subject, choice: { delivery: 'pickup' as const } };
    const { id, reference } = await createPaperRequest(handle.db, request);
    await handle.db.destroy();

    handle = open();
    await prepareDatabase(handle, kind === 'postgres' ? schema : undefined);
    const requests = await paperRequestsOfPerson(handle.db, register.holder.personId);
    expect(requests.get(certificate.id)).toMatchObject({ id, reference, status: 'received', delivery: 'pickup' });
    await expect(createPaperRequest(handle.db, request)).rejects.toMatchObject({ key: 'paperRequests.error.open' });
    // Once it has gone out, a new request may be made.
    await advancePaperRequest(handle.db, id, 'printed', { userId: await agencyUser(handle.db, validPersonalCode(650_003)), actor: 'test' });
    await advancePaperRequest(handle.db, id, 'sent', { userId: await agencyUser(handle.db, validPersonalCode(650_003)), actor: 'test' });
    const again = await createPaperRequest(handle.db, request);
    expect(again.id).toBeGreaterThan(id);
    expect(again.reference).not.toBe(reference);
    await handle.db.destroy();
  });
});
