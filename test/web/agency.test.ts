/**
 * The agency's workspace through HTTP with real staff sessions: the wall (a school user gets 404 on every agency
 * route and action, agency staff who are not administrators get 404 on staff management), annulment by two
 * people, staff added and removed by an administrator (removal ends the sign-in), the audit trail's search by
 * person with channels and its export through the report queue, and the overview's counts.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { audit } from '../../src/data/audit.js';
import { issueCertificates } from '../../src/data/certificates.js';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { importScores } from '../../src/data/scores.js';
import { findStaffUser, loadStaffScope, saveStaffUser } from '../../src/data/staff.js';
import { studentResults } from '../../src/data/student-results.js';
import { checkCertificateByNumber } from '../../src/data/verification.js';
import { formatPersonalCode } from '../../src/domain/personal-code.js';
import { runReport } from '../../src/reports/run.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, validPersonalCode, type SeededSession } from '../support/register.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';
import { storedFile } from '../reports/jobs.js';

const AFTER_RELEASE = new Date('2026-08-01T10:00:00Z');

/** Every agency route of this part of the workspace, with the method it answers. */
const ROUTES: { method: 'GET' | 'POST'; path: string }[] = [
  { method: 'GET', path: '/staff/agency' },
  { method: 'GET', path: '/staff/agency/annulments' },
  { method: 'POST', path: '/staff/agency/annulments' },
  { method: 'POST', path: '/staff/agency/annulments/find' },
  { method: 'POST', path: '/staff/agency/annulments/1/confirm' },
  { method: 'POST', path: '/staff/agency/annulments/1/reject' },
  { method: 'GET', path: '/staff/agency/audit' },
  { method: 'POST', path: '/staff/agency/audit' },
  { method: 'POST', path: '/staff/agency/audit/export' },
  { method: 'GET', path: '/staff/agency/staff' },
  { method: 'POST', path: '/staff/agency/staff' },
  { method: 'GET', path: '/staff/agency/staff/1' },
  { method: 'POST', path: '/staff/agency/staff/1' },
  { method: 'POST', path: '/staff/agency/staff/1/remove' },
];

const STAFF_ROUTES = ROUTES.filter((r) => r.path.startsWith('/staff/agency/staff'));

describe.each(DATABASE_KINDS)('agency workspace on %s', (kind) => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let staff: StaffApp;
  let seeded: SeededSession;
  let numbers: string[];
  let schoolCookie: string;
  let adminId: number;
  let adminCookie: string;
  let operatorId: number;
  let operatorCookie: string;

  const csrfOf = async (cookie: string, path = '/staff/sessions') => {
    const page = await (await staff.app.request(path, { headers: { Cookie: cookie } })).text();
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  };
  const get = (path: string, cookie: string) => staff.app.request(path, { headers: { Cookie: cookie } });
  const post = async (path: string, cookie: string, fields: Record<string, string> = {}) =>
    staff.app.request(path, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'http://127.0.0.1:3000', 'Sec-Fetch-Site': 'same-origin' },
      body: new URLSearchParams({ _csrf: await csrfOf(cookie), ...fields }).toString(),
    });

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    db = database.handle.db;
    staff = createStaffApp(db, { clock: () => AFTER_RELEASE });
    seeded = await seedSession(db, { examCode: 'LAT09', candidates: 3 });
    const csv = ['candidate_code,took_part,part_1,part_2,part_3', ...seeded.candidateCodes.map((c) => `${c},yes,10,10,10`)].join('\n');
    await importScores(db, seeded.sessionId, { bytes: new TextEncoder().encode(csv), name: 's.csv' }, 't');
    await issueCertificates(db, seeded.sessionId, { actor: 't', issuedOn: '2026-06-20' });
    numbers = (await db.selectFrom('certificates').select('number').orderBy('number').execute()).map((r) => r.number);
    schoolCookie = await staff.cookieFor(await schoolUser(db, seeded.institutionId, validPersonalCode(910_001)));
    adminId = await saveStaffUser(db, { personalCode: validPersonalCode(910_002), displayName: 'Anna Administratore', role: 'agency-admin' });
    adminCookie = await staff.cookieFor(adminId);
    operatorId = await agencyUser(db, validPersonalCode(910_003));
    operatorCookie = await staff.cookieFor(operatorId);
  });

  afterAll(async () => database?.close());

  it('answers 404 to a school user on every agency route and action, as if it did not exist', async () => {
    for (const route of ROUTES) {
      const res = route.method === 'GET' ? await get(route.path, schoolCookie) : await post(route.path, schoolCookie, { number: numbers[0]!, reason: 'x' });
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
    }
    // Nothing was requested in their name.
    expect(await db.selectFrom('annulment_requests').selectAll().execute()).toEqual([]);
    expect(await (await get('/staff/sessions', schoolCookie)).text()).not.toContain('href="/staff/agency"');
  });

  it('answers 404 on staff management to agency staff who are not administrators, and shows them the rest', async () => {
    for (const route of STAFF_ROUTES) {
      const res = route.method === 'GET' ? await get(route.path, operatorCookie) : await post(route.path, operatorCookie, { name: 'X', role: 'agency' });
      expect(res.status, `${route.method} ${route.path}`).toBe(404);
    }
    const overview = await (await get('/staff/agency', operatorCookie)).text();
    expect(overview).toContain('href="/staff/agency/annulments"');
    expect(overview).toContain('href="/staff/agency/exams"');
    expect(overview).not.toContain('href="/staff/agency/staff"');
    expect(await (await get('/staff/agency', adminCookie)).text()).toContain('href="/staff/agency/staff"');
  });

  it('annuls only when a second person confirms; the requester is refused with the reason; a rejection leaves it valid', async () => {
    const [first, second] = numbers as [string, string];
    // Found by the holder's personal code, and the search is audited.
    const found = await post('/staff/agency/annulments/find', adminCookie, { person: formatPersonalCode(seeded.personalCodes[0]!) });
    expect(found.status).toBe(200);
    expect(await found.text()).toContain(first);

    expect((await post('/staff/agency/annulments', adminCookie, { number: second, reason: 'Kļūda datos' })).status).toBe(303);
    const rejectId = (await db.selectFrom('annulment_requests').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow()).id;
    expect((await post(`/staff/agency/annulments/${rejectId}/reject`, operatorCookie)).status).toBe(303);
    expect((await db.selectFrom('certificates').select('state').where('number', '=', second).executeTakeFirstOrThrow()).state).toBe('issued');

    expect((await post('/staff/agency/annulments', adminCookie, { number: first, reason: 'Krāpšanās eksāmenā' })).status).toBe(303);
    // A second request for the same certificate is refused while one is open.
    const again = await post('/staff/agency/annulments', operatorCookie, { number: first, reason: 'Vēlreiz' });
    expect(again.status).toBe(409);
    const requestId = (await db.selectFrom('annulment_requests').select('id').where('status', '=', 'pending').executeTakeFirstOrThrow()).id;

    const own = await post(`/staff/agency/annulments/${requestId}/confirm`, adminCookie);
    expect(own.status).toBe(409);
    expect(await own.text()).toContain('Šo anulēšanu pieprasījāt jūs pats');
    expect((await db.selectFrom('certificates').select('state').where('number', '=', first).executeTakeFirstOrThrow()).state).toBe('issued');

    const confirmed = await post(`/staff/agency/annulments/${requestId}/confirm`, operatorCookie);
    expect(confirmed.status).toBe(303);
    const certificate = await db.selectFrom('certificates').select(['state', 'annulled_reason']).where('number', '=', first).executeTakeFirstOrThrow();
    expect(certificate).toEqual({ state: 'annulled', annulled_reason: 'Krāpšanās eksāmenā' });

    // Verification and the holder's results show it annulled.
    const check = await checkCertificateByNumber(db, first, { personalCode: seeded.personalCodes[0]! }, { actor: 'public', channel: 'verify' }, AFTER_RELEASE);
    expect(check.found && check.register.state).toBe('annulled');
    const person = await db.selectFrom('persons').select('id').where('personal_code', '=', seeded.personalCodes[0]!).executeTakeFirstOrThrow();
    const results = await studentResults(db, person.id, AFTER_RELEASE);
    expect(results.results.find((r) => r.state.kind === 'certificate-annulled')?.state).toMatchObject({
      number: first,
      annulment: { reason: 'Krāpšanās eksāmenā' },
    });

    // Both steps are in the audit log, with who did them.
    const entries = await db.selectFrom('audit_log').select(['actor', 'action']).where('subject', '=', `certificate:${first}`).orderBy('id').execute();
    expect(entries).toEqual(
      expect.arrayContaining([
        { actor: `user:${adminId}`, action: 'certificate.annul-request' },
        { actor: `user:${operatorId}`, action: 'certificate.annul-confirm' },
        { actor: `user:${operatorId}`, action: 'certificate.annul' },
      ]),
    );
    // A decided request cannot be decided again.
    expect((await post(`/staff/agency/annulments/${requestId}/reject`, adminCookie)).status).toBe(409);
  });

  it('lets an administrator add a school user, and removing them ends their sign-in at once', async () => {
    const code = validPersonalCode(910_010);
    const registration = (await db.selectFrom('institutions').select('registration_number').where('id', '=', seeded.institutionId).executeTakeFirstOrThrow())
      .registration_number;
    const bad = await post('/staff/agency/staff', adminCookie, { personal_code: code, name: 'Jānis Skolotājs', role: 'school', institution: '' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('href="#institution"');
    expect(
      (await post('/staff/agency/staff', adminCookie, { personal_code: code, name: 'Jānis Skolotājs', role: 'school', institution: registration })).status,
    ).toBe(303);
    const added = (await findStaffUser(db, code))!;
    expect(await loadStaffScope(db, added.userId)).toMatchObject({ kind: 'school', institutionId: seeded.institutionId });
    const list = await (await get('/staff/agency/staff', adminCookie)).text();
    expect(list).toContain('Jānis Skolotājs');

    const cookie = await staff.cookieFor(added.userId);
    expect((await get('/staff/sessions', cookie)).status).toBe(200);
    expect((await post(`/staff/agency/staff/${added.userId}/remove`, adminCookie)).status).toBe(303);
    const after = await get('/staff/sessions', cookie);
    expect(after.status).toBe(302);
    expect(after.headers.get('Location')).toContain('/staff/login');
    expect(await db.selectFrom('web_sessions').select('id_hash').where('user_id', '=', added.userId).execute()).toEqual([]);
    const removal = await db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('action', '=', 'staff.remove')
      .where('subject', '=', `user:${added.userId}`)
      .executeTakeFirstOrThrow();
    expect(removal.actor).toBe(`user:${adminId}`);
    expect(removal.details).not.toContain(code);

    // An administrator cannot remove themselves.
    expect((await post(`/staff/agency/staff/${adminId}/remove`, adminCookie)).status).toBe(409);
  });

  it('finds who saw or downloaded one person’s certificates, by channel, audits the search and exports it', async () => {
    const [mine, other] = [numbers[1]!, numbers[2]!];
    const person = await db.selectFrom('persons').select('id').where('personal_code', '=', seeded.personalCodes[1]!).executeTakeFirstOrThrow();
    await audit(db, { actor: `person:${person.id}`, channel: 'student', action: 'certificate.download', subject: `certificate:${mine}` });
    await audit(db, { actor: 'user:999', channel: 'school', action: 'certificate.download', subject: `certificate:${mine}` });
    await audit(db, {
      actor: 'representative:010203-*****',
      actorPersonalCode: '01020312345',
      channel: 'eservice',
      action: 'certificate.download',
      subject: `certificate:${mine}`,
    });
    await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${mine}` });
    await audit(db, { actor: 'public', channel: 'verify', action: 'certificate.verify-number', subject: `certificate:${other}` });

    const res = await post('/staff/agency/audit', operatorCookie, { person: seeded.personalCodes[1]!, access: 'yes' });
    expect(res.status).toBe(200);
    const page = await res.text();
    const rows = [...page.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
      .map((m) =>
        m[1]!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .slice(1);
    expect(rows).toHaveLength(4);
    expect(rows.every((r) => r.includes(mine))).toBe(true);
    for (const channel of ['skolēns', 'skola', 'e-pakalpojums', 'pārbaude'])
      expect(
        rows.some((r) => r.includes(channel)),
        channel,
      ).toBe(true);
    expect(page).toContain('pārstāvis 010203-12345');

    const searched = await db
      .selectFrom('audit_log')
      .select(['actor', 'subject'])
      .where('action', '=', 'audit.search')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(searched).toEqual({ actor: `user:${operatorId}`, subject: `person:${person.id}` });

    const exported = await post('/staff/agency/audit/export', operatorCookie, { person: seeded.personalCodes[1]!, access: 'yes', format: 'csv' });
    expect(exported.status).toBe(303);
    expect(exported.headers.get('Location')).toMatch(/^\/staff\/reports#report-\d+$/);
    const job = (await claimNextReport(db, 'runner-test', DEFAULT_QUEUE_SETTINGS))!;
    expect(job.type).toBe('audit-trail');
    // The stored job names the person by the register's id, never by personal code.
    expect(job.parameters).not.toContain(seeded.personalCodes[1]!);
    const file = await runReport(db, {
      jobId: job.id,
      runnerId: 'runner-test',
      type: job.type,
      format: job.format,
      institutionId: job.institution_id,
      parameters: JSON.parse(job.parameters),
    });
    expect(file.rows).toBe(4);
    const text = (await storedFile(db, job.id)).toString('utf8');
    expect(text).toContain('e-pakalpojums');
    expect(text).toContain(`certificate:${mine}`);
    expect(text).not.toContain(`certificate:${other}`);
  });

  it('has every text of every agency page in English too', async () => {
    for (const path of ['/staff/agency', '/staff/agency/annulments', '/staff/agency/audit', '/staff/agency/staff', `/staff/agency/staff/${operatorId}`]) {
      for (const lang of ['en', 'lv']) {
        const res = await get(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`, adminCookie);
        expect(res.status, path).toBe(200);
        const text = (await res.text()).replace(/<[^>]+>/g, ' ');
        // An untranslated key shows as its name.
        expect(text, `${path} ${lang}`).not.toMatch(/\bagency\.[a-z]+\.[A-Za-z.]+/);
      }
    }
    const english = await (await get('/staff/agency/annulments?lang=en', adminCookie)).text();
    expect(english).toContain('Annulment of certificates');
  });

  it('refuses an empty search and an unknown person with the reason', async () => {
    const empty = await post('/staff/agency/audit', operatorCookie, {});
    expect(empty.status).toBe(422);
    expect(await empty.text()).toContain('Aizpildiet vismaz vienu lauku');
    const unknown = await post('/staff/agency/audit', operatorCookie, { person: validPersonalCode(910_099) });
    expect(unknown.status).toBe(422);
    expect(await unknown.text()).toContain('Reģistrā nav personas');
  });

  it('shows per session the registered, took part, scored, issued, sealed and annulled counts', async () => {
    const page = await (await get('/staff/agency', operatorCookie)).text();
    const row = [...page.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).find((r) => r.includes('LAT09'))!;
    const counts = [...row.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    // registered, took part, scored, issued, sealed, annulled, paper copies to post
    expect(counts).toEqual([3, 3, 3, 3, 0, 1, 0]);
  });
});
