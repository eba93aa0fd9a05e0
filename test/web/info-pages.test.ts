/**
 * The government frame on every page type, the accessibility statement, privacy notice and cookies in both
 * languages, the signed-out page, the home page's release moments and its warning for visitors from abroad, and
 * the sign-in refusals' texts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { setReleaseMoments } from '../../src/data/catalogue.js';
import { generateDemo } from '../../src/data/demo.js';
import { demoStudents } from '../../src/data/sign-in.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { schoolYearAt } from '../../src/domain/release.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { manualCookieName, ticketCookieName, visitorCookieName } from '../../src/web/waiting-room.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { CookieJar, isRedirect, location, request, serveFetch, type Listening } from '../support/http-browser.js';
import { OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc-server.js';
import { validPersonalCode } from '../support/register.js';

const CONTACT = { ...DEVELOPMENT_CONTACT, email: 'palidziba@viaa.example.lv', phone: '+371 67 111 222' };

/** The frame: the agency's name in the header, the help route and the info links in the footer. */
function expectFrame(body: string, lang: 'lv' | 'en' = 'lv') {
  const header = /<header[\s\S]*?<\/header>/.exec(body)?.[0] ?? '';
  expect(header).toContain(lang === 'lv' ? 'Valsts izglītības attīstības aģentūra' : 'State Education Development Agency');
  expect(header).toContain('<svg class="emblem"');
  expect(body).toContain(`href="mailto:${CONTACT.email}"`);
  expect(body).toContain('href="tel:+37167111222"');
  expect(body).toContain(CONTACT.hours[lang]);
}

function expectFooterLinks(body: string) {
  const footer = /<footer[\s\S]*?<\/footer>/.exec(body)?.[0] ?? '';
  for (const path of ['/accessibility', '/privacy', '/cookies', '/staff/login']) expect(footer).toContain(`href="${path}`);
}

describe.each(DATABASE_KINDS)('the frame and the info pages on %s', (kind) => {
  let test: TestDatabase;
  let portal: Listening;
  let op: Listening & { issuer: string };
  const accounts = new Map<string, string | undefined>();
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  let now = new Date();
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await generateDemo(test.handle.db, { students: 20, seed: 5 });
    const [student] = await demoStudents(test.handle.db, 1);
    accounts.set('anna', student!.personalCode);
    accounts.set('stranger', validPersonalCode(999_998));
    portal = await serveFetch(handler);
    op = await startOidcProvider(portal.url, accounts);
    app = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      contact: CONTACT,
      clock: () => now,
      // 127.0.0.1 is the proxy in front, so X-Forwarded-For says where a visitor is; private addresses count as abroad.
      trustedProxies: ['127.0.0.1'],
      allowPrivateAddresses: false,
      auth: {
        sessions: new WebSessionStore(test.handle.db, { idleMinutes: 25 }),
        oidc: new OidcLogin({
          publicUrl: portal.url,
          providers: { eklase: { issuer: op.issuer, clientId: 'portal', clientSecret: OIDC_CLIENT_SECRET } },
        }),
        environment: 'development',
        publicUrl: portal.url,
      },
    });
    handler.fetch = app.fetch;
  });

  afterAll(async () => {
    await portal?.close();
    await op?.close();
    await test?.close();
  });

  const LATVIA = { 'X-Forwarded-For': '85.254.0.1' };
  const get = (path: string, headers: Record<string, string> = LATVIA) => request(new CookieJar(), `${portal.url}${path}`, { headers });

  /**
   * A real sign-in through the provider, from Latvia: every Set-Cookie name the portal sent on the way (the
   * language chosen first), and the jar with the session.
   */
  async function signIn(account: string): Promise<{ jar: CookieJar; names: Set<string>; last: Response }> {
    const jar = new CookieJar();
    const names = new Set<string>();
    const portalRequest = async (url: string, init: Parameters<typeof request>[2] = {}) => {
      const res = await request(jar, url, { ...init, headers: { ...LATVIA, ...init.headers } });
      if (url.startsWith(portal.url)) for (const line of res.headers.getSetCookie()) names.add(line.slice(0, line.indexOf('=')));
      return res;
    };
    await portalRequest(`${portal.url}/?lang=en`);
    await portalRequest(`${portal.url}/?lang=lv`);
    let next: { url: string; form?: Record<string, string> } = { url: `${portal.url}/login/eklase` };
    for (let step = 0; step < 20; step++) {
      const res = await portalRequest(next.url, next.form ? { form: next.form } : {});
      if (isRedirect(res)) {
        const target = location(res, next.url);
        if (target.startsWith(`${portal.url}/auth/eklase/callback`)) return { jar, names, last: await portalRequest(target) };
        next = { url: target };
        continue;
      }
      const body = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(body)![1]!;
      const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
      next = {
        url: new URL(action.replace(/&amp;/g, '&'), next.url).href,
        form: prompt === 'login' ? { prompt: 'login', login: account, password: 'any' } : { prompt: 'consent' },
      };
    }
    throw new Error('the provider never sent the browser back');
  }

  it('puts the header and the footer with the contact on every page type', async () => {
    for (const path of ['/', '/login', '/staff/login', '/accessibility', '/privacy', '/cookies', '/signed-out', '/no-such-page']) {
      const res = await get(path);
      const body = await res.text();
      expectFrame(body);
      expectFooterLinks(body);
      const english = await (await get(`${path}${path.includes('?') ? '&' : '?'}lang=en`)).text();
      expectFrame(english, 'en');
    }
    // The refusal from abroad and the not-registered page are rendered their own ways: the frame is there too.
    const refused = await (await get('/login', { 'X-Forwarded-For': '8.8.8.8' })).text();
    expectFrame(refused);
    expectFooterLinks(refused);
    const stranger = await signIn('stranger');
    expectFrame(await stranger.last.text());
  });

  it('has the accessibility statement, the privacy notice and the cookies in Latvian and English', async () => {
    const accessibility = { lv: await (await get('/accessibility')).text(), en: await (await get('/accessibility?lang=en')).text() };
    expect(accessibility.lv).toContain('<h1>Pieejamības paziņojums</h1>');
    expect(accessibility.en).toContain('<h1>Accessibility statement</h1>');
    expect(accessibility.lv).toContain('2016/2102');
    expect(accessibility.lv).toContain('daļēji atbilst');
    expect(accessibility.lv).toContain('href="https://www.tiesibsargs.lv/"');
    expect(accessibility.lv).toContain('Paziņojums sagatavots 2026. gada 6. decembrī.');
    expect(accessibility.en).toContain('prepared on 6 December 2026');

    const privacy = { lv: await (await get('/privacy')).text(), en: await (await get('/privacy?lang=en')).text() };
    expect(privacy.lv).toContain('<h1>Privātuma paziņojums</h1>');
    expect(privacy.en).toContain('<h1>Privacy notice</h1>');
    expect(privacy.lv).toContain('Datu valsts inspekcija');
    expect(privacy.lv).toContain('auditācijas žurnālu');
    // The sign-in's real idle time, from the session store this portal runs with.
    expect(privacy.lv).toContain('līdz 25 min. bez darbībām');
    expect(privacy.en).toContain('until 25 min. without activity');
    for (const article of ['15.', '16.', '17.', '18.', '19.', '20.', '21.']) expect(privacy.lv).toContain(`(${article} pants)`);

    const cookies = { lv: await (await get('/cookies')).text(), en: await (await get('/cookies?lang=en')).text() };
    expect(cookies.lv).toContain('<h1>Sīkdatnes</h1>');
    expect(cookies.en).toContain('<h1>Cookies</h1>');
  });

  it('lists on the cookies page exactly the cookies a real sign-in sets', async () => {
    const { names, last } = await signIn('anna');
    expect(isRedirect(last)).toBe(true);
    const listed = [...(await (await get('/cookies')).text()).matchAll(/<code class="cookie-name">([^<]+)<\/code>/g)].map((m) => m[1]);
    expect(names.size).toBeGreaterThanOrEqual(3);
    // Besides the sign-in's own, only the waiting room's, which are set when the portal is beyond capacity
    // (test/instances/waiting-room.test.ts sees them set).
    const waiting = [visitorCookieName(false), ticketCookieName(false), manualCookieName(false)];
    expect(new Set(listed)).toEqual(new Set([...names, ...waiting]));
    expect(listed.length).toBe(names.size + waiting.length);
  });

  it('shows the signed-out page after signing out, with what to do next', async () => {
    const { jar, last } = await signIn('anna');
    const results = await request(jar, location(last, portal.url), { headers: LATVIA });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await results.text())![1]!;
    const out = await request(jar, `${portal.url}/logout`, { form: { _csrf: csrf }, headers: { ...LATVIA, Origin: portal.url } });
    expect(out.status).toBe(303);
    const page = await request(jar, location(out, portal.url), { headers: LATVIA });
    const body = await page.text();
    expect(body).toContain('<h1>Jūs esat izgājuši no portāla</h1>');
    expect(body).toContain('Ko darīt tālāk');
    expect(body).toContain('href="/login"');
    expect(body).not.toContain('action="/logout"');
    // Staff are sent back to their own sign-in.
    const staff = await (await get('/signed-out?as=staff&lang=en')).text();
    expect(staff).toContain('<h1>You have signed out</h1>');
    expect(staff).toContain('Latvija.lv');
    expect(staff).toContain('href="/staff/login"');
  });

  it('announces the release moments the register holds, and follows them when they move', async () => {
    now = new Date();
    const year = schoolYearAt(now);
    const nextYear = year + 1;
    await setReleaseMoments(test.handle.db, 'test', year, {
      basic: rigaToInstant({ year: nextYear, month: 6, day: 19, hour: 10, minute: 30 }),
      secondary: rigaToInstant({ year: nextYear, month: 7, day: 8, hour: 11, minute: 15 }),
    });
    now = rigaToInstant({ year: nextYear, month: 6, day: 1, hour: 12, minute: 0 });
    let home = await (await get('/')).text();
    expect(home).toContain(`${year}./${nextYear}. mācību gada centralizēto eksāmenu rezultāti`);
    expect(home).toContain(`pamatizglītībai – būs pieejami no 19.06.${nextYear} plkst. 10:30`);
    expect(home).toContain(`vispārējai vidējai izglītībai – būs pieejami no 08.07.${nextYear} plkst. 11:15`);

    await setReleaseMoments(test.handle.db, 'test', year, { basic: rigaToInstant({ year: nextYear, month: 5, day: 29, hour: 9, minute: 0 }) });
    home = await (await get('/')).text();
    expect(home).toContain(`pamatizglītībai – pieejami kopš 29.05.${nextYear} plkst. 09:00`);
    expect(home).toContain(`būs pieejami no 08.07.${nextYear} plkst. 11:15`);
    const english = await (await get('/?lang=en')).text();
    expect(english).toContain(`basic education – available since 29.05.${nextYear} at 09:00`);
    expect(english).toContain(`general secondary education – open on 08.07.${nextYear} at 11:15`);
  });

  it('warns visitors from abroad before they press "sign in", and nobody else', async () => {
    const warning = 'Jūs, šķiet, atrodaties ārpus Baltijas valstīm';
    for (const address of ['8.8.8.8', '217.160.0.1', '2607:f8b0:4004::1']) {
      const res = await get('/', { 'X-Forwarded-For': address });
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toContain(warning);
      // Before the sign-in button, with the e-service's one name and link.
      expect(body.indexOf(warning)).toBeLessThan(body.indexOf('href="/login"'));
      expect(body.slice(body.indexOf(warning))).toContain('href="https://latvija.gov.lv/Services/45822"');
    }
    for (const address of ['85.254.0.1', '78.56.0.1', '90.190.0.1']) {
      expect(await (await get('/', { 'X-Forwarded-For': address })).text()).not.toContain(warning);
    }
  });

  it('words the sign-in buttons in Latvian grammar, as buttons rather than a list', async () => {
    const login = await (await get('/login')).text();
    expect(login).toContain('<div class="sign-in">');
    expect(login).toContain('>Pieslēgties ar E-klasi</a>');
    expect(login).not.toContain('<ul class="sign-in">');
  });

  it('tells someone the register does not know what it means, what to do, and whom to contact', async () => {
    const { last } = await signIn('stranger');
    const body = await last.text();
    expect(body).toContain('Mūsu reģistrā jums nav eksāmenu rezultātu');
    expect(body).toContain('E-klase apstiprināja');
    expect(body).toContain('Ko darīt tālāk');
    expect(body).toContain('href="https://latvija.gov.lv/Services/45822"');
    expect(body).toContain(`href="mailto:${CONTACT.email}"`);
  });

  it('explains the Baltic-only refusal: why, the e-service, verification and the contact, in both languages', async () => {
    const res = await get('/results', { 'X-Forwarded-For': '8.8.8.8' });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('Rezultāti un sertifikāti ir personas dati');
    expect(body).toContain('Results and certificates are personal data');
    expect(body).toContain('„Izglītību apliecinošo dokumentu apskate un saņemšana“');
    expect(body).toContain('href="/verify?lang=en"');
    expect(body).toContain('<link rel="icon" href="data:,">');
  });
});
