/**
 * Staff sign-in, end to end: a real OpenID Connect provider standing in for Latvija.lv, the portal on its own
 * port, and the test as the browser. Roles come from our database: a school superuser, agency staff, and a
 * person the provider knows but we gave no role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { loadConfig } from '../../src/config.js';
import { generateDemo } from '../../src/data/demo.js';
import { demoStudents } from '../../src/data/sign-in.js';
import { loadStaffScope, removeStaffUser, saveStaffUser } from '../../src/data/staff.js';
import { hashToken, WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { requireStudent } from '../../src/web/session.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { CookieJar, isRedirect, location, request, serveFetch, type Listening } from '../support/http-browser.js';
import { OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc-server.js';
import { validPersonalCode } from '../support/register.js';

const accounts = new Map<string, string | undefined>();

describe('staff sign-in settings', () => {
  it('offers Latvija.lv to staff only', () => {
    const config = loadConfig({
      LATVIJA_ISSUER: 'https://lvp.example.lv',
      LATVIJA_CLIENT_ID: 'vps',
      LATVIJA_CLIENT_SECRET: 's',
      EKLASE_ISSUER: 'https://e.example',
      EKLASE_CLIENT_ID: 'p',
      EKLASE_CLIENT_SECRET: 's',
    });
    expect(config.auth.providers.latvija).toEqual({ issuer: 'https://lvp.example.lv', clientId: 'vps', clientSecret: 's' });
    const oidc = new OidcLogin({ publicUrl: 'https://x.example', providers: config.auth.providers });
    expect(oidc.configured('staff')).toEqual(['latvija']);
    expect(oidc.configured('student')).toEqual(['eklase']);
    expect(oidc.configured()).toEqual(['eklase']);
  });
});

describe.each(DATABASE_KINDS)('staff sign-in on %s', (kind) => {
  let test: TestDatabase;
  let portal: Listening;
  let op: Listening & { issuer: string };
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  let schoolUserId: number;
  let agencyUserId: number;
  let schoolName: string;
  const db = () => test.handle.db;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await generateDemo(db(), { students: 40, seed: 7 });
    const school = await db().selectFrom('institutions').select(['registration_number', 'name']).orderBy('id').executeTakeFirstOrThrow();
    schoolName = school.name;
    const superuserCode = validPersonalCode(500_001);
    const agencyCode = validPersonalCode(500_002);
    schoolUserId = await saveStaffUser(db(), {
      personalCode: superuserCode,
      displayName: 'Skolas Virslietotāja',
      role: 'school',
      institution: school.registration_number,
    });
    agencyUserId = await saveStaffUser(db(), { personalCode: agencyCode, displayName: 'Aģentūras Darbinieks', role: 'agency' });
    portal = await serveFetch(handler);
    op = await startOidcProvider(portal.url, accounts);
    accounts.set('superuser', superuserCode);
    accounts.set('agency', agencyCode);
    accounts.set('nobody', validPersonalCode(500_003));
    accounts.set('nocode', undefined);
    accounts.set('student', (await demoStudents(db(), 1))[0]!.personalCode);
    const sessions = new WebSessionStore(db(), { idleMinutes: 30, touchDelayMs: 0 });
    const oidc = new OidcLogin({ publicUrl: portal.url, providers: { latvija: { issuer: op.issuer, clientId: 'portal', clientSecret: OIDC_CLIENT_SECRET } } });
    const app = createApp({
      db: db(),
      log: createLogger('silent'),
      auth: { sessions, oidc, environment: 'development', publicUrl: portal.url },
      student: { requireStudent: requireStudent() },
      staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS } },
      // The test is the proxy: X-Forwarded-For places a request abroad where a test asks for it.
      trustedProxies: ['127.0.0.1'],
    });
    handler.fetch = app.fetch;
  });

  afterAll(async () => {
    await portal?.close();
    await op?.close();
    await test?.close();
  });

  /** From "sign in with Latvija.lv" through the provider's forms back to our callback, as `account`. */
  async function signIn(account: string, returnTo?: string, headers: Record<string, string> = {}) {
    const jar = new CookieJar();
    let next: { url: string; form?: Record<string, string> } = {
      url: `${portal.url}/login/latvija${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    };
    for (let step = 0; step < 20; step++) {
      const res = await request(jar, next.url, next.form ? { form: next.form, headers } : { headers });
      if (isRedirect(res)) {
        const target = location(res, next.url);
        if (target.startsWith(`${portal.url}/auth/latvija/callback`)) return { jar, res: await request(jar, target, { headers }) };
        next = { url: target };
        continue;
      }
      const body = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
      expect(action, body.slice(0, 300)).toBeTruthy();
      next = {
        url: new URL(action!.replace(/&amp;/g, '&'), next.url).href,
        form: prompt === 'login' ? { prompt: 'login', login: account, password: 'any' } : { prompt: 'consent' },
      };
    }
    throw new Error('the provider never sent the browser back');
  }

  it('lists Latvija.lv on the staff sign-in page, and not on the students’ one', async () => {
    const staffPage = await (await request(new CookieJar(), `${portal.url}/staff/login`)).text();
    expect(staffPage).toContain('href="/login/latvija"');
    const studentPage = await (await request(new CookieJar(), `${portal.url}/login`)).text();
    expect(studentPage).not.toContain('/login/latvija');
  });

  it('signs a school superuser in to the staff pages, scoped to their school', async () => {
    const { jar, res } = await signIn('superuser');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff/sessions');
    const row = await db().selectFrom('web_sessions').selectAll().where('user_id', '=', schoolUserId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'staff', person_id: null, provider: 'latvija', display_name: 'Skolas Virslietotāja' });
    expect(await loadStaffScope(db(), schoolUserId)).toMatchObject({ kind: 'school', institutionName: schoolName });
    const reports = await request(jar, `${portal.url}/staff/reports`);
    expect(reports.status).toBe(200);
    expect(await reports.text()).toContain(schoolName);
    // A staff session is not a student's: the results page asks for a student sign-in.
    const results = await request(jar, `${portal.url}/results`);
    expect(results.status).toBe(302);
    expect(results.headers.get('location')).toMatch(/^\/login/);
  });

  it('signs staff in through Latvija.lv from abroad, lets them work and sign out there', async () => {
    const abroad = { 'x-forwarded-for': '217.160.0.1' };
    const { jar, res } = await signIn('agency', undefined, abroad);
    expect(res.status).toBe(303);
    const idHash = hashToken(jar.get('sid')!);
    const reports = await request(jar, `${portal.url}/staff/reports`, { headers: abroad });
    expect(reports.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await reports.text())![1]!;
    expect(await db().selectFrom('web_sessions').select('id_hash').where('id_hash', '=', idHash).executeTakeFirst()).toBeDefined();
    const out = await request(jar, `${portal.url}/logout`, { form: { _csrf: csrf }, headers: { ...abroad, origin: portal.url } });
    expect(out.status).toBe(303);
    expect(await db().selectFrom('web_sessions').select('id_hash').where('id_hash', '=', idHash).executeTakeFirst()).toBeUndefined();
    // The students' sign-in stays Baltic-only.
    expect((await request(new CookieJar(), `${portal.url}/login`, { headers: abroad })).status).toBe(403);
  });

  it('tells staff whose sign-in brings no personal code about access rights, not results', async () => {
    const { res } = await signIn('nocode');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('Latvija.lv nenodeva jūsu personas kodu, bet bez tā nevaram pārbaudīt jūsu piekļuves tiesības.');
    expect(text).toContain('href="/staff/login"');
    expect(/<main[\s\S]*<\/main>/.exec(text)![0]).not.toMatch(/rezultāt/i);
  });

  it('returns agency staff to the page they asked for', async () => {
    const { res } = await signIn('agency', '/staff/reports');
    expect(res.headers.get('location')).toBe('/staff/reports');
    expect(await loadStaffScope(db(), agencyUserId)).toEqual({ kind: 'agency' });
  });

  it('refuses someone without a role (403, no session) and records it', async () => {
    const before = await db().selectFrom('web_sessions').select('id_hash').execute();
    const { res } = await signIn('nobody');
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain('Jums nav piekļuves darbinieku lapām');
    expect(text).toContain('Ko darīt tālāk');
    expect(text).toContain('href="mailto:');
    // Staff are never addressed about "your results".
    expect(/<main[\s\S]*<\/main>/.exec(text)![0]).not.toMatch(/rezultāt/i);
    expect((await db().selectFrom('web_sessions').select('id_hash').execute()).length).toBe(before.length);
    const entry = await db().selectFrom('audit_log').selectAll().where('action', '=', 'staff-sign-in.no-role').executeTakeFirstOrThrow();
    expect(entry.subject).toMatch(/\*/);
  });

  it('gives a student nothing of the staff pages', async () => {
    const { res } = await signIn('student');
    expect(res.status).toBe(403);
  });

  it('sends a visitor without a session to the staff sign-in, and back afterwards', async () => {
    const res = await request(new CookieJar(), `${portal.url}/staff/reports?page=2`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/staff/login?return_to=%2Fstaff%2Freports%3Fpage%3D2');
  });

  it('ends access at once when the role is taken away', async () => {
    const code = validPersonalCode(500_004);
    accounts.set('leaver', code);
    const school = await db().selectFrom('institutions').select('registration_number').orderBy('id').executeTakeFirstOrThrow();
    await saveStaffUser(db(), { personalCode: code, displayName: 'Aizgājējs', role: 'school', institution: school.registration_number });
    const { jar } = await signIn('leaver');
    expect((await request(jar, `${portal.url}/staff/reports`)).status).toBe(200);
    expect(await removeStaffUser(db(), code)).toBe(true);
    const after = await request(jar, `${portal.url}/staff/reports`);
    expect(after.status).toBe(302);
  });

  it('offers the demo staff sign-in outside production, and only the users it lists', async () => {
    const jar = new CookieJar();
    const page = await (await request(jar, `${portal.url}/staff/login`)).text();
    expect(page).toContain('name="user_id"');
    const headers = { origin: portal.url };
    const forged = await request(jar, `${portal.url}/staff/login/demo`, { form: { user_id: '999999' }, headers });
    expect(forged.status).toBe(404);
    const ok = await request(jar, `${portal.url}/staff/login/demo`, { form: { user_id: String(agencyUserId) }, headers });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/staff/sessions');
  });
});
