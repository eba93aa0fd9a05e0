/**
 * The school and university application pages on every database: a class list with one bad row is refused whole
 * (the row named) and the good file registers everyone; support measures and exemptions (deadline 1 March); the
 * international certificate rule with its reasons; a university's external candidate gets a candidate code;
 * school A sees nothing of school B's applicants, route by route; the agency's late change carries a reason into
 * the history; and the applications report counts exactly the applications submitted in its period.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { ensureDefaultWindows } from '../../src/data/applications.js';
import { installCatalogue } from '../../src/data/catalogue.js';
import { countApplications } from '../../src/data/report-rows.js';
import { saveStaffUser } from '../../src/data/staff.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';
import { agencyUser, createStaffApp, type StaffApp } from '../support/staff.js';

const ORIGIN = { Origin: 'http://127.0.0.1:3000', 'Sec-Fetch-Site': 'same-origin' };

describe.each(DATABASE_KINDS)('school applications on %s', (kind) => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let staff: StaffApp;
  let now = new Date('2026-12-10T10:00:00Z');
  const cookies: Record<'a' | 'b' | 'university' | 'agency', string> = { a: '', b: '', university: '', agency: '' };
  let applicationOfA = 0;

  const get = (path: string, cookie: string) => staff.app.request(path, { headers: { Cookie: cookie } });
  const csrfOf = async (cookie: string) => /name="_csrf" value="([^"]+)"/.exec(await (await get('/staff/sessions', cookie)).text())![1]!;
  const post = async (path: string, cookie: string, fields: [string, string][]) =>
    staff.app.request(path, {
      method: 'POST',
      headers: { Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded', ...ORIGIN },
      body: new URLSearchParams([['_csrf', await csrfOf(cookie)], ...fields]).toString(),
    });
  const upload = async (cookie: string, name: string, text: string) => {
    const form = new FormData();
    form.set('_csrf', await csrfOf(cookie));
    form.set('key', `upload-${name}`);
    form.set('file', new File([text], name, { type: 'text/csv' }));
    return staff.app.request('/staff/applications/class-list', { method: 'POST', headers: { Cookie: cookie, ...ORIGIN }, body: form });
  };
  const institution = async (registrationNumber: string, name: string) =>
    (
      await db
        .insertInto('institutions')
        .values({ registration_number: registrationNumber, name, municipality: 'Rīga' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    db = database.handle.db;
    await installCatalogue(db, 2026);
    await ensureDefaultWindows(db, 2026, 'test', now);
    staff = createStaffApp(db, { clock: () => now });
    await institution('4000000101', 'Skola A');
    await institution('4000000102', 'Skola B');
    await institution('3341000218', 'Latvijas Universitāte');
    const user = (n: number, role: 'school' | 'university', reg: string) =>
      saveStaffUser(db, { personalCode: validPersonalCode(960_000 + n), displayName: `Lietotājs ${n}`, role, institution: reg });
    cookies.a = await staff.cookieFor(await user(1, 'school', '4000000101'));
    cookies.b = await staff.cookieFor(await user(2, 'school', '4000000102'));
    cookies.university = await staff.cookieFor(await user(3, 'university', '3341000218'));
    cookies.agency = await staff.cookieFor(await agencyUser(db, validPersonalCode(960_004)));
  });
  afterAll(async () => {
    await database?.close();
  });

  const students = [validPersonalCode(961_001), validPersonalCode(961_002), validPersonalCode(961_003)];
  const header = 'personas kods;vārds;uzvārds;klase;svešvaloda;pamats;iesnieguma datums';

  it('refuses a class list with one bad row whole, naming the row, then registers every row of the good file', async () => {
    const bad = [header, `${students[0]};Anna;Ābola;9.a;ANG09;skolēns;2026-12-07`, `${students[1]};Jānis;Ozols;9.a;spāņu;skolēns;2026-12-07`].join('\n');
    const refused = await upload(cookies.a, 'bad.csv', bad);
    expect(refused.status).toBe(422);
    const text = await refused.text();
    // The error table names the row and the column, the reason beside them.
    expect(text.replace(/\s+/g, ' ')).toMatch(/<tr><td>3<\/td><td>svešvaloda<\/td><td>“spāņu” nav piedāvāta svešvaloda/);
    expect(await db.selectFrom('applications').select('id').execute()).toEqual([]);

    const good = [
      header,
      ...students.map((code, i) => `${code};Anna;Ābola-${i};9.a;${['ANG09', 'vācu valoda', 'English'][i]};likumiskais pārstāvis;07.12.2026`),
    ].join('\n');
    const saved = await upload(cookies.a, 'good.csv', good);
    expect(saved.status).toBe(303);
    const rows = await db
      .selectFrom('applications')
      .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
      .select(['applications.id', 'candidates.code', 'applications.basis', 'applications.basis_date'])
      .orderBy('applications.id')
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => /^\d{12}$/.test(r.code) && r.basis === 'representative' && r.basis_date === '2026-12-07')).toBe(true);
    const registrations = await db.selectFrom('registrations').select('id').execute();
    expect(registrations).toHaveLength(9);
    applicationOfA = rows[0]!.id;
    const list = await (await get('/staff/applications', cookies.a)).text();
    expect(list).toContain('Ābola-2');
    expect(await (await get('/staff/applications?print=1', cookies.a)).text()).toContain('Pieteiktie: Skola A');
  });

  it('shows school B nothing of school A, route by route', async () => {
    const list = await (await get('/staff/applications', cookies.b)).text();
    expect(list).not.toContain('Ābola');
    expect((await get(`/staff/applications/${applicationOfA}`, cookies.b)).status).toBe(404);
    for (const action of ['support', 'exemption', 'certificate', 'exams']) {
      const response = await post(`/staff/applications/${applicationOfA}/${action}`, cookies.b, [
        ['measures', 'extra-time-30'],
        ['line', '1'],
        ['order_number', '1'],
        ['order_date', '2026-12-01'],
        ['specialist_statement', 'x'],
        ['certificate_name', 'X'],
        ['certificate_level', 'C2'],
        ['certificate_number', '1'],
        ['exams', 'LAT09'],
      ]);
      expect([404, 422]).toContain(response.status);
      expect(await response.text()).not.toContain('Ābola');
    }
    expect(await db.selectFrom('support_measures').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('exemptions').select('id').execute()).toEqual([]);
    expect((await get('/staff/agency/applications', cookies.a)).status).toBe(404);
  });

  it('records support measures and exemptions until 1 March, and refuses them after', async () => {
    expect((await post(`/staff/applications/${applicationOfA}/support`, cookies.a, [['measures', 'extra-time-50']])).status).toBe(303);
    expect(await db.selectFrom('support_measures').select('measure').where('application_id', '=', applicationOfA).execute()).toEqual([
      { measure: 'extra-time-50' },
    ]);
    const both = await post(`/staff/applications/${applicationOfA}/support`, cookies.a, [
      ['measures', 'extra-time-30'],
      ['measures', 'extra-time-50'],
    ]);
    expect(both.status).toBe(422);
    const line = await db
      .selectFrom('application_lines')
      .innerJoin('exams', 'exams.id', 'application_lines.exam_id')
      .select('application_lines.id')
      .where('application_id', '=', applicationOfA)
      .where('exams.code', '=', 'MAT09')
      .executeTakeFirstOrThrow();
    const exemption: [string, string][] = [
      ['line', String(line.id)],
      ['order_number', '12-v'],
      ['order_date', '2026-12-09'],
      ['specialist_statement', 'Pedagoģiski medicīniskā komisija Nr. 5, 2026-11-30'],
    ];
    now = new Date('2027-02-15T10:00:00Z');
    expect((await post(`/staff/applications/${applicationOfA}/exemption`, cookies.a, exemption)).status).toBe(303);
    const exempted = await db
      .selectFrom('registrations')
      .innerJoin('applications', 'applications.candidate_id', 'registrations.candidate_id')
      .select('registrations.exempted')
      .where('applications.id', '=', applicationOfA)
      .where('registrations.exempted', '=', 1)
      .execute();
    expect(exempted).toHaveLength(1);
    now = new Date('2027-03-02T08:00:00Z');
    const late = await post(`/staff/applications/${applicationOfA}/exemption`, cookies.a, exemption);
    expect(late.status).toBe(422);
    expect(await late.text()).toContain('līdz 1. martam; šis termiņš ir beidzies');
    now = new Date('2026-12-10T10:00:00Z');
  });

  it('lets a university register an external candidate with a candidate code, and applies the certificate rule with its reasons', async () => {
    const register = (code: string, exams: string[], certificate: [string, string][]) =>
      post('/staff/applications/register', cookies.university, [
        ['key', `u-${code}-${certificate.length}-${exams.join()}`],
        ['personal_code', code],
        ['first_name', 'Pēteris'],
        ['last_name', 'Kalniņš'],
        ...exams.map((e): [string, string] => ['exams', e]),
        ...certificate,
      ]);
    const [p1, p2, p3, p4] = [961_101, 961_102, 961_103, 961_104].map(validPersonalCode) as [string, string, string, string];
    const cert = (exam: string, level: string, until = ''): [string, string][] => [
      ['certificate_exam', exam],
      ['certificate_name', 'Cambridge'],
      ['certificate_level', level],
      ['certificate_number', 'X-1'],
      ['certificate_valid_until', until],
    ];
    const b1 = await register(p1, ['MATOL', 'ANGOL'], cert('ANGOL', 'B1'));
    expect(b1.status).toBe(422);
    expect(await b1.text()).toContain('B1');
    const b2 = await register(p2, ['ANGAL'], cert('ANGAL', 'B2'));
    expect(b2.status).toBe(422);
    expect(await b2.text()).toContain('B2');
    const examDay = (await db
      .selectFrom('exam_sessions')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .select('exam_sessions.starts_on')
      .where('exams.code', '=', 'ANGAL')
      .where('exams.school_year', '=', 2026)
      .where('exam_sessions.term', '=', 'main')
      .executeTakeFirstOrThrow())!.starts_on;
    const dayBefore = new Date(new Date(`${examDay}T00:00:00Z`).getTime() - 86_400_000).toISOString().slice(0, 10);
    const expired = await register(p3, ['ANGAL'], cert('ANGAL', 'C1', dayBefore));
    expect(expired.status).toBe(422);
    // Refused whole: no person was left registered by a refused step.
    expect(await db.selectFrom('persons').select('id').where('personal_code', 'in', [p1, p2, p3]).execute()).toEqual([]);

    const ok = await register(p4, ['MATAL', 'ANGAL'], cert('ANGAL', 'C1', examDay));
    expect(ok.status).toBe(303);
    const saved = await db
      .selectFrom('applications')
      .innerJoin('persons', 'persons.id', 'applications.person_id')
      .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
      .innerJoin('institutions', 'institutions.id', 'applications.institution_id')
      .select(['candidates.code', 'applications.exam_group', 'institutions.name'])
      .where('persons.personal_code', '=', p4)
      .executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ exam_group: 'external', name: 'Latvijas Universitāte' });
    expect(saved.code).toMatch(/^\d{12}$/);
    expect(await db.selectFrom('international_certificates').select(['cefr_level', 'number']).execute()).toEqual([{ cefr_level: 'C1', number: 'X-1' }]);
  });

  it('lets the agency change an application after the deadline only with a reason, shown in the history', async () => {
    now = new Date('2027-01-10T10:00:00Z');
    const code = (await db
      .selectFrom('applications')
      .innerJoin('candidates', 'candidates.id', 'applications.candidate_id')
      .select('candidates.code')
      .where('applications.id', '=', applicationOfA)
      .executeTakeFirstOrThrow())!.code;
    expect(await (await get(`/staff/agency/applications?code=${code}`, cookies.agency)).text()).toContain(`/staff/agency/applications/${applicationOfA}`);
    const closed = await post(`/staff/applications/${applicationOfA}/exams`, cookies.a, [['exams', 'LAT09']]);
    expect(closed.status).toBe(422);
    const noReason = await post(`/staff/agency/applications/${applicationOfA}`, cookies.agency, [
      ['exams', 'LAT09'],
      ['exams', 'MAT09'],
      ['exams', 'VAC09'],
    ]);
    expect(noReason.status).toBe(422);
    const changed = await post(`/staff/agency/applications/${applicationOfA}`, cookies.agency, [
      ['key', 'late-1'],
      ['exams', 'LAT09'],
      ['exams', 'MAT09'],
      ['exams', 'VAC09'],
      ['reason', 'Skolas vēstule Nr. 7: kļūda svešvalodā'],
    ]);
    expect(changed.status).toBe(303);
    const history = await db
      .selectFrom('application_changes')
      .select(['late', 'reason', 'actor_kind'])
      .where('application_id', '=', applicationOfA)
      .where('late', '=', 1)
      .execute();
    expect(history).toEqual([{ late: 1, reason: 'Skolas vēstule Nr. 7: kļūda svešvalodā', actor_kind: 'agency' }]);
    expect(await (await get(`/staff/applications/${applicationOfA}`, cookies.a)).text()).toContain('Skolas vēstule Nr. 7');
    now = new Date('2026-12-10T10:00:00Z');
  });

  it('counts in the applications report exactly the applications submitted in its period', async () => {
    const scope = (from: string, to: string) => ({ institutionId: null, from, to, viewer: 'agency' as const, now });
    // Three school A pupils at 2026-12-10 10:00, one university candidate at the same moment.
    expect(await countApplications(db, scope('2026-12-10T10:00:00.000Z', '2026-12-10T10:00:00.000Z'))).toBe(4);
    expect(await countApplications(db, scope('2026-12-10T10:00:00.001Z', '2026-12-31T00:00:00.000Z'))).toBe(0);
    expect(await countApplications(db, scope('2026-12-01T00:00:00.000Z', '2026-12-10T09:59:59.999Z'))).toBe(0);
    const schoolA = (await db.selectFrom('institutions').select('id').where('registration_number', '=', '4000000101').executeTakeFirstOrThrow()).id;
    expect(await countApplications(db, { ...scope('2026-12-01T00:00:00.000Z', '2026-12-31T00:00:00.000Z'), institutionId: schoolA })).toBe(3);
  });
});
