/**
 * Sign-in, end to end: a real OpenID Connect provider (oidc-provider) and the portal, each on its own port on
 * 127.0.0.1, talking real HTTP; the test is the browser, following redirects and submitting the provider's forms.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { generateDemo } from '../../src/data/demo.js';
import { demoStudents } from '../../src/data/sign-in.js';
import { maskPersonalCode } from '../../src/domain/personal-code.js';
import { hashToken, WEB_SESSION_ABSOLUTE_MS, WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { safeReturnTo } from '../../src/web/routes/auth.js';
import { csrfProtection, requireStudent, tokensEqual } from '../../src/web/session.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { CookieJar, isRedirect, location, request, serveFetch, type Listening } from '../support/http-browser.js';
import { validPersonalCode } from '../support/register.js';
import { OIDC_CLIENT_SECRET as CLIENT_SECRET, startOidcProvider } from '../support/oidc-server.js';

/** The provider's accounts: login name → the personal code it releases (hyphenated, as a provider may send it). */
const accounts = new Map<string, string | undefined>();
const startProvider = (portalUrl: string) => startOidcProvider(portalUrl, accounts);

describe('return_to after signing in', () => {
  it('keeps a same-site path and refuses everything else', () => {
    expect(safeReturnTo('/results?lang=en')).toBe('/results?lang=en');
    expect(safeReturnTo('/certificates/2026%2F1-KUMAL.edoc')).toBe('/certificates/2026%2F1-KUMAL.edoc');
    for (const bad of [
      'https://evil.example/',
      '//evil.example/x',
      '/.//evil.example/x',
      '/..//evil.example',
      '/%2e//evil.example',
      '/\\evil.example',
      '\\\\evil',
      'javascript:alert(1)',
      '/login?return_to=/x',
      '/logout',
      '/auth/eklase/callback',
      '',
      undefined,
      '/a\nb',
      `/${'x'.repeat(1000)}`,
      // 600 letters that percent-encoding makes 3,600 characters.
      `/results?q=${'ā'.repeat(600)}`,
    ]) {
      expect(safeReturnTo(bad)).toBe('/results');
    }
  });

  it('compares CSRF tokens exactly', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abd')).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('abc', '')).toBe(false);
  });
});

describe('sign-in settings', () => {
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).message;
    }
    throw new Error('not refused');
  };

  it('has defaults: no provider, the claim personal_code, 30 idle minutes, PUBLIC_URL from PORT', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(config.publicUrl).toBe('http://127.0.0.1:8080');
    expect(config.auth).toEqual({ providers: {}, personalCodeClaim: 'personal_code', scopes: 'openid', sessionIdleMinutes: 30 });
  });

  it('reads the providers and the rest', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://eksameni.example.lv/',
      EKLASE_ISSUER: 'https://login.e-klase.example',
      EKLASE_CLIENT_ID: 'portal',
      EKLASE_CLIENT_SECRET: 's3cret',
      MYKOOB_ISSUER: 'https://id.mykoob.example/oidc',
      MYKOOB_CLIENT_ID: 'p2',
      MYKOOB_CLIENT_SECRET: 's4',
      OIDC_PERSONAL_CODE_CLAIM: 'https://claims.example/pk',
      OIDC_SCOPES: 'openid  profile',
      SESSION_IDLE_MINUTES: '15',
    });
    expect(config.publicUrl).toBe('https://eksameni.example.lv');
    expect(config.auth).toEqual({
      providers: {
        eklase: { issuer: 'https://login.e-klase.example', clientId: 'portal', clientSecret: 's3cret' },
        mykoob: { issuer: 'https://id.mykoob.example/oidc', clientId: 'p2', clientSecret: 's4' },
      },
      personalCodeClaim: 'https://claims.example/pk',
      scopes: 'openid profile',
      sessionIdleMinutes: 15,
    });
  });

  it('refuses incomplete or wrong values, naming each and never repeating a secret', () => {
    const message = problems({
      EKLASE_ISSUER: 'https://login.e-klase.example',
      EKLASE_CLIENT_SECRET: 'top-secret-value',
      MYKOOB_ISSUER: 'not a url',
      MYKOOB_CLIENT_ID: 'x',
      MYKOOB_CLIENT_SECRET: 'y',
      SESSION_IDLE_MINUTES: '0',
      OIDC_PERSONAL_CODE_CLAIM: 'a b',
      OIDC_SCOPES: 'profile',
      PUBLIC_URL: 'ftp://x',
    });
    expect(message).toContain('EKLASE_ISSUER, EKLASE_CLIENT_ID and EKLASE_CLIENT_SECRET go together; missing: EKLASE_CLIENT_ID');
    expect(message).toContain('MYKOOB_ISSUER="not a url" must be the provider\'s issuer URL');
    expect(message).toContain('SESSION_IDLE_MINUTES="0" must be a whole number from 1 to 720');
    expect(message).toContain('OIDC_PERSONAL_CODE_CLAIM="a b"');
    expect(message).toContain('OIDC_SCOPES="profile" must be space-separated scopes including openid');
    expect(message).toContain('PUBLIC_URL="ftp://x" must be an http(s) URL');
    expect(message).not.toContain('top-secret-value');
  });

  it('in production, wants https for the portal and the providers', () => {
    const file = new URL('../../package.json', import.meta.url).pathname;
    const base = {
      NODE_ENV: 'production',
      SEAL_KEY_FILE: file,
      SEAL_CERT_FILE: file,
      TRUSTED_SEAL_ROOTS_FILE: file,
      SEAL_ORGANIZATION_ID: 'NTRLV-90001234567',
      SUPPORT_EMAIL: 'eksameni@viaa.example.lv',
      SUPPORT_PHONE: '+371 67 000 001',
    };
    const provider = { EKLASE_ISSUER: 'http://login.e-klase.example', EKLASE_CLIENT_ID: 'p', EKLASE_CLIENT_SECRET: 's' };
    expect(problems({ ...base, ...provider })).toMatch(/EKLASE_ISSUER="http:\/\/login\.e-klase\.example" must be https:\/\/ in production/);
    expect(problems({ ...base, ...provider, EKLASE_ISSUER: 'https://login.e-klase.example' })).toContain(
      'production with EKLASE_/MYKOOB_/LATVIJA_ sign-in needs PUBLIC_URL',
    );
    expect(problems({ ...base, PUBLIC_URL: 'http://eksameni.example.lv' })).toContain('must be https:// in production');
    expect(
      loadConfig({ ...base, ...provider, EKLASE_ISSUER: 'https://login.e-klase.example', PUBLIC_URL: 'https://eksameni.example.lv' }).auth.providers.eklase,
    ).toBeDefined();
  });
});

describe.each(DATABASE_KINDS)('sign-in on %s', (kind) => {
  let test: TestDatabase;
  let portal: Listening;
  let op: Listening & { issuer: string };
  let clock = Date.now();
  const now = () => new Date(clock);
  let sessions: WebSessionStore;
  let oidc: OidcLogin;
  const handler: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = {};
  let students: { personId: number; personalCode: string; displayName: string }[];
  const logLines: string[] = [];

  const db = () => test.handle.db;
  const callbackPrefix = () => `${portal.url}/auth/eklase/callback`;
  const sessionRows = () => db().selectFrom('web_sessions').selectAll().execute();

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await generateDemo(db(), { students: 60, seed: 42 });
    students = await demoStudents(db(), 6);
    portal = await serveFetch(handler);
    op = await startProvider(portal.url);
    accounts.set('anna', students[0]!.personalCode.replace(/^(\d{6})(\d{5})$/, '$1-$2'));
    accounts.set('bruno', students[1]!.personalCode);
    accounts.set('stranger', validPersonalCode(999_999));
    accounts.set('nocode', undefined);

    sessions = new WebSessionStore(db(), { idleMinutes: 30, now });
    oidc = new OidcLogin({
      publicUrl: portal.url,
      providers: { eklase: { issuer: op.issuer, clientId: 'portal', clientSecret: CLIENT_SECRET } },
      now: () => clock,
    });
    const app = createApp({
      db: db(),
      log: createLogger('info', (line) => logLines.push(line)),
      auth: { sessions, oidc, environment: 'development', publicUrl: portal.url },
    });
    // What a student page sees: c.var.signedIn, behind requireStudent(); and a CSRF-protected form target.
    app.get('/whoami', requireStudent(), (c) => c.json(c.get('signedIn')!));
    app.post('/whoami', requireStudent(), csrfProtection(), (c) => c.json({ changed: true }));
    handler.fetch = app.fetch;
  });

  afterAll(async () => {
    oidc?.close();
    await portal?.close();
    await op?.close();
    await test?.close();
  });

  /** From the portal's "sign in with E-klase" to the provider's redirect back, signing in as `account`. */
  async function throughProvider(jar: CookieJar, account: string, returnTo?: string): Promise<string> {
    let next: { url: string; form?: Record<string, string> } = {
      url: `${portal.url}/login/eklase${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    };
    for (let step = 0; step < 20; step++) {
      const res = await request(jar, next.url, next.form ? { form: next.form } : {});
      if (isRedirect(res)) {
        const target = location(res, next.url);
        if (target.startsWith(callbackPrefix())) return target;
        next = { url: target };
        continue;
      }
      const body = await res.text();
      expect(res.status, `${next.url}: ${body.slice(0, 500)}`).toBe(200);
      expect(next.url.startsWith(op.issuer)).toBe(true);
      const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(body)?.[1];
      expect(action).toBeTruthy();
      next = {
        url: new URL(action!.replace(/&amp;/g, '&'), next.url).href,
        form: prompt === 'login' ? { prompt: 'login', login: account, password: 'any' } : { prompt: 'consent' },
      };
    }
    throw new Error('the provider never sent the browser back');
  }

  async function signIn(account: string, returnTo?: string) {
    const jar = new CookieJar();
    const callback = await throughProvider(jar, account, returnTo);
    const res = await request(jar, callback);
    return { jar, callback, res };
  }

  const whoami = (jar: CookieJar) => request(jar, `${portal.url}/whoami`);

  it('runs the whole flow: PKCE, state and nonce, a session cookie, and the right person in c.var.session', async () => {
    const before = await db().selectFrom('audit_log').select('id').where('action', '=', 'sign-in').execute();
    const { jar, callback, res } = await signIn('anna', '/whoami');
    const url = new URL(callback);
    expect(url.searchParams.get('code')).toBeTruthy();
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/whoami');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sid='))!;
    expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);

    const me = await whoami(jar);
    expect(me.status).toBe(200);
    const session = (await me.json()) as Record<string, unknown>;
    expect(session).toMatchObject({
      kind: 'student',
      personId: students[0]!.personId,
      userId: null,
      displayName: students[0]!.displayName,
      provider: 'eklase',
    });
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const after = await db().selectFrom('audit_log').selectAll().where('action', '=', 'sign-in').execute();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)).toMatchObject({ actor: `person:${students[0]!.personId}`, channel: 'student' });
  });

  it('asks the provider for a PKCE S256 challenge, state and nonce, with the registered redirect URI', async () => {
    const jar = new CookieJar();
    const res = await request(jar, `${portal.url}/login/eklase`);
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get('location')!);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(`${portal.url}/auth/eklase/callback`);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    const state = url.searchParams.get('state')!;
    // The sign-in is kept in this browser's cookie, sealed; nothing is written until the provider answers.
    const cookie = jar.get('login_state')!;
    expect(await db().selectFrom('login_attempts').select('state').where('state', '=', state).execute()).toEqual([]);
    const resumed = oidc.resume('eklase', cookie, state);
    if (!('login' in resumed)) throw new Error(resumed.why);
    const login = resumed.login;
    expect(login).toMatchObject({ state, nonce: url.searchParams.get('nonce'), returnTo: '/results' });
    // The verifier never travels in the clear; only its S256 hash went to the provider.
    expect(url.href).not.toContain(login.codeVerifier);
    expect(cookie).not.toContain(login.codeVerifier);
    expect(cookie).not.toContain(state);
    expect(createHash('sha256').update(login.codeVerifier).digest('base64url')).toBe(url.searchParams.get('code_challenge'));
  });

  it('stores only the SHA-256 of the session token, never the token', async () => {
    const { jar } = await signIn('bruno');
    const token = jar.get('sid')!;
    const rows = await sessionRows();
    const row = rows.find((r) => r.id_hash === hashToken(token));
    expect(row).toMatchObject({ kind: 'student', person_id: students[1]!.personId, provider: 'eklase' });
    expect(row!.id_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('refuses a tampered state or login cookie, and a callback that belongs to another browser', async () => {
    const jar = new CookieJar();
    const callback = new URL(await throughProvider(jar, 'anna'));
    const sessionsBefore = (await sessionRows()).length;
    const cookie = jar.get('login_state')!;
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${callback.searchParams.get('state')}x`);
    const res = await request(jar, `${tampered.href}&lang=en`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('Signing in failed');
    expect(page).toContain('does not belong to a sign-in started in this browser');
    expect(page).toContain('href="/login"');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('sid='))).toBe(false);

    // The genuine callback URL, opened in another browser (login CSRF): no state cookie there.
    const other = await request(new CookieJar(), callback.href);
    expect(other.status).toBe(400);
    expect(await other.text()).toContain('Pieslēgties neizdevās');

    // The genuine callback with its login cookie altered by one character: it no longer opens.
    const last = cookie.at(-2) === 'A' ? 'B' : 'A';
    const altered = await request(new CookieJar(), callback.href, { headers: { cookie: `login_state=${cookie.slice(0, -2)}${last}${cookie.at(-1)}` } });
    expect(altered.status).toBe(400);
    expect(await altered.text()).toContain('Pieslēgties neizdevās');
    expect((await sessionRows()).length).toBe(sessionsBefore);
    // And the genuine one still works once.
    expect((await request(new CookieJar(), callback.href, { headers: { cookie: `login_state=${cookie}` } })).status).toBe(303);
  });

  it('refuses a replayed callback (same code and state twice), the login cookie put back', async () => {
    const jar = new CookieJar();
    const callback = await throughProvider(jar, 'anna');
    const cookie = jar.get('login_state')!;
    expect((await request(jar, callback)).status).toBe(303);
    const sessionsBefore = (await sessionRows()).length;
    // The provider redeems a code once.
    const replay = await request(jar, callback, { headers: { cookie: `login_state=${cookie}` } });
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('E-klase atbildi neizdevās pārbaudīt');
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('sid='))).toBe(false);
    expect((await sessionRows()).length).toBe(sessionsBefore);
  });

  it('makes one session of an answer, even from a provider that would redeem its code twice', async () => {
    // A provider that accepts any code: only the portal's own record of answered states stands in the way.
    class LenientProvider extends OidcLogin {
      override async finish(): Promise<{ subject: string; personalCode: string }> {
        return { subject: 'anna', personalCode: students[0]!.personalCode };
      }
    }
    const lenient = new LenientProvider({
      publicUrl: portal.url,
      providers: { eklase: { issuer: op.issuer, clientId: 'portal', clientSecret: CLIENT_SECRET } },
      now: () => clock,
    });
    const app = createApp({ db: db(), log: createLogger('silent'), auth: { sessions, oidc: lenient, environment: 'development', publicUrl: portal.url } });
    try {
      const start = await app.request(`${portal.url}/login/eklase`);
      const cookie = start.headers
        .getSetCookie()
        .find((c) => c.startsWith('login_state='))!
        .split(';')[0]!;
      const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
      const callback = `${portal.url}/auth/eklase/callback?code=any&state=${state}`;
      const sessionsBefore = (await sessionRows()).length;
      const first = await app.request(callback, { headers: { cookie } });
      expect(first.status).toBe(303);
      const again = await app.request(`${callback}&lang=en`, { headers: { cookie } });
      expect(again.status).toBe(400);
      expect(await again.text()).toContain('this link has already been used');
      expect(again.headers.getSetCookie().some((c) => c.startsWith('sid='))).toBe(false);
      expect((await sessionRows()).length).toBe(sessionsBefore + 1);
    } finally {
      lenient.close();
    }
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const jar = new CookieJar();
    const callback = await throughProvider(jar, 'anna');
    const state = new URL(callback).searchParams.get('state')!;
    // The provider's ID token carries the nonce sent; the portal now expects another.
    const resumed = oidc.resume('eklase', jar.get('login_state'), state);
    if (!('login' in resumed)) throw new Error(resumed.why);
    jar.delete('login_state');
    const altered = oidc.seal('eklase', { ...resumed.login, nonce: 'a-different-nonce' });
    logLines.length = 0;
    const res = await request(jar, callback, { headers: { cookie: `login_state=${altered}` } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('E-klase atbildi neizdevās pārbaudīt');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('sid='))).toBe(false);
    expect(logLines.some((l) => l.includes('sign-in refused') && l.includes('nonce'))).toBe(true);
  });

  it('refuses a login that took more than ten minutes', async () => {
    const jar = new CookieJar();
    const callback = await throughProvider(jar, 'anna', '/whoami');
    clock += 11 * 60_000;
    const res = await request(jar, `${callback}&lang=en`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('took too long');
    expect(page).toContain('href="/login"');
  });

  it('shows the provider’s refusal as a clear page with a way to try again', async () => {
    const jar = new CookieJar();
    const start = await request(jar, `${portal.url}/login/eklase?lang=en`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const res = await request(jar, `${portal.url}/auth/eklase/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(op.issuer)}`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('E-klase refused the sign-in, or it was cancelled.');
    expect(page).toContain('Try again');
  });

  it('greets a person the register does not know politely, without a session', async () => {
    const { jar, res } = await signIn('stranger');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Mūsu reģistrā jums nav eksāmenu rezultātu');
    expect(jar.get('sid')).toBeUndefined();
    const none = await signIn('nocode');
    expect(none.res.status).toBe(400);
    expect(await none.res.text()).toContain('nenodeva jūsu personas kodu');
  });

  it('sends a visitor without a session to sign in, and back afterwards', async () => {
    const res = await request(new CookieJar(), `${portal.url}/whoami?x=1`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?return_to=%2Fwhoami%3Fx%3D1');
    const { res: back } = await signIn('anna', '/whoami?x=1');
    expect(back.headers.get('location')).toBe('/whoami?x=1');
    // An open redirect is not on offer.
    const { res: evil } = await signIn('anna', 'https://evil.example/');
    expect(evil.headers.get('location')).toBe('/results');
  });

  it('logs out: the session row is deleted and the cookie cleared; only with the CSRF token and from this site', async () => {
    const { jar } = await signIn('bruno');
    const token = jar.get('sid')!;
    const csrf = ((await (await whoami(jar)).json()) as { csrfToken: string }).csrfToken;
    const hasRow = async () => Boolean(await db().selectFrom('web_sessions').select('id_hash').where('id_hash', '=', hashToken(token)).executeTakeFirst());

    const origin = { origin: portal.url };
    expect((await request(jar, `${portal.url}/logout`, { form: {}, headers: origin })).status).toBe(403);
    expect((await request(jar, `${portal.url}/logout`, { form: { _csrf: `${csrf.slice(1)}x` }, headers: origin })).status).toBe(403);
    const foreign = await request(jar, `${portal.url}/logout?lang=en`, { form: { _csrf: csrf }, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('Request refused');
    expect((await request(jar, `${portal.url}/logout`, { form: { _csrf: csrf }, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/logout`, { form: { _csrf: csrf } })).status).toBe(403);
    expect(await hasRow()).toBe(true);

    const res = await request(jar, `${portal.url}/logout`, { form: { _csrf: csrf }, headers: { ...origin, 'sec-fetch-site': 'same-origin' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/signed-out');
    expect(res.headers.getSetCookie().find((c) => c.startsWith('sid='))).toMatch(/Max-Age=0/);
    expect(await hasRow()).toBe(false);
    expect((await request(new CookieJar(), `${portal.url}/whoami`, { headers: { cookie: `sid=${token}` } })).status).toBe(302);
  });

  it('checks the CSRF token of signed-in forms: field or X-CSRF-Token header', async () => {
    const { jar } = await signIn('anna');
    const csrf = ((await (await whoami(jar)).json()) as { csrfToken: string }).csrfToken;
    expect((await request(jar, `${portal.url}/whoami`, { form: { a: '1' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/whoami`, { form: { _csrf: 'wrong' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/whoami`, { method: 'POST', headers: { 'x-csrf-token': 'wrong' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/whoami`, { form: { _csrf: csrf } })).status).toBe(200);
    expect((await request(jar, `${portal.url}/whoami`, { method: 'POST', headers: { 'x-csrf-token': csrf } })).status).toBe(200);
  });

  it('ends a session after 30 idle minutes, touching it at most once a minute, and after 12 hours in any case', async () => {
    const { jar } = await signIn('anna');
    const token = jar.get('sid')!;
    const row = async () => db().selectFrom('web_sessions').selectAll().where('id_hash', '=', hashToken(token)).executeTakeFirst();
    const first = (await row())!;

    clock += 30_000;
    expect((await whoami(jar)).status).toBe(200);
    expect((await row())!.last_seen_at).toBe(first.last_seen_at); // no write within the minute

    clock += 29 * 60_000;
    expect((await whoami(jar)).status).toBe(200);
    await sessions.flushTouches();
    const touched = (await row())!;
    expect(touched.last_seen_at).toBe(new Date(clock).toISOString());
    expect(touched.expires_at).toBe(new Date(clock + 30 * 60_000).toISOString());

    clock += 29 * 60_000;
    expect((await whoami(jar)).status).toBe(200); // 29 minutes after the last request: still alive

    clock += 30 * 60_000 + 1;
    const expired = await whoami(jar);
    expect(expired.status).toBe(302);
    expect(expired.headers.getSetCookie().find((c) => c.startsWith('sid='))).toMatch(/Max-Age=0/);
    expect(await row()).toBeUndefined();

    // Active all the time, still ended 12 hours after signing in.
    const active = await signIn('anna');
    const started = clock;
    while (clock < started + WEB_SESSION_ABSOLUTE_MS - 20 * 60_000) {
      clock += 20 * 60_000;
      expect((await whoami(active.jar)).status).toBe(200);
    }
    clock = started + WEB_SESSION_ABSOLUTE_MS;
    expect((await whoami(active.jar)).status).toBe(302);
  });

  it('purges expired sessions and login attempts', async () => {
    await request(new CookieJar(), `${portal.url}/login/eklase`);
    await signIn('bruno');
    clock += 13 * 60 * 60_000;
    const purged = await sessions.purgeExpired();
    expect(purged.sessions).toBeGreaterThan(0);
    expect(purged.loginAttempts).toBeGreaterThan(0);
    expect(await db().selectFrom('web_sessions').select('id_hash').where('expires_at', '<=', now().toISOString()).execute()).toEqual([]);
    expect(await db().selectFrom('login_attempts').select('state').execute()).toEqual([]);
  });

  it('offers E-klase and a demo sign-in in development, in Latvian and English', async () => {
    const lv = await (await request(new CookieJar(), `${portal.url}/login`)).text();
    expect(lv).toContain('Pieslēgties ar E-klasi');
    expect(lv).not.toContain('Mykoob</a>');
    expect(lv).toContain('Demonstrācijas pieslēgšanās');
    expect(students).toHaveLength(6);
    for (const s of students) {
      expect(lv).toContain(`value="${s.personId}"`);
      expect(lv).toContain(`(${maskPersonalCode(s.personalCode)})`);
      expect(lv).not.toContain(s.personalCode.slice(6));
    }
    const en = await (await request(new CookieJar(), `${portal.url}/login?lang=en`)).text();
    expect(en).toContain('Sign in with E-klase');
    expect(en).toContain('Demo sign-in');
  });

  it('signs in a demo student from this site only', async () => {
    const jar = new CookieJar();
    const person = students[2]!;
    const form = { person_id: String(person.personId), return_to: '/whoami' };
    expect((await request(jar, `${portal.url}/login/demo`, { form, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/login/demo`, { form, headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await request(jar, `${portal.url}/login/demo`, { form })).status).toBe(403);
    expect(jar.get('sid')).toBeUndefined();
    const res = await request(jar, `${portal.url}/login/demo`, { form, headers: { origin: portal.url } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/whoami');
    expect(await (await whoami(jar)).json()).toMatchObject({ personId: person.personId, provider: 'demo' });
    // Only the students the page offers: anyone else in the register cannot be chosen.
    const others = await db()
      .selectFrom('persons')
      .select('id')
      .where(
        'id',
        'not in',
        students.map((s) => s.personId),
      )
      .limit(1)
      .execute();
    const outsider = await request(new CookieJar(), `${portal.url}/login/demo`, {
      form: { person_id: String(others[0]!.id) },
      headers: { origin: portal.url },
    });
    expect(outsider.status).toBe(404);
  });

  it('has no demo sign-in in production, and a Secure __Host- cookie there', async () => {
    const production = createApp({
      db: db(),
      log: createLogger('silent'),
      secureCookies: true,
      allowPrivateAddresses: true,
      auth: {
        sessions,
        oidc: new OidcLogin({
          publicUrl: 'https://eksameni.example.lv',
          providers: { eklase: { issuer: op.issuer, clientId: 'portal', clientSecret: CLIENT_SECRET } },
        }),
        environment: 'production',
        publicUrl: 'https://eksameni.example.lv',
      },
    });
    const handlerOf: { fetch?: (request: Request, env: unknown) => Response | Promise<Response> } = { fetch: production.fetch };
    const served = await serveFetch(handlerOf);
    try {
      const form = { person_id: String(students[0]!.personId) };
      const demo = await request(new CookieJar(), `${served.url}/login/demo`, { form, headers: { origin: served.url } });
      expect(demo.status).toBe(404);
      expect(demo.headers.getSetCookie().some((c) => c.includes('sid='))).toBe(false);
      const page = await (await request(new CookieJar(), `${served.url}/login`)).text();
      expect(page).toContain('Pieslēgties ar E-klasi');
      expect(page).not.toContain('/login/demo');
      const start = await request(new CookieJar(), `${served.url}/login/eklase`);
      expect(start.status).toBe(302);
      expect(new URL(start.headers.get('location')!).searchParams.get('redirect_uri')).toBe('https://eksameni.example.lv/auth/eklase/callback');
      const stateCookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-login_state='))!;
      expect(stateCookie).toMatch(/; Secure/);
      expect(stateCookie).toMatch(/; HttpOnly/);
    } finally {
      await served.close();
    }
    // The development app, told to use secure cookies, names its session cookie __Host-sid.
    const secure = createApp({
      db: db(),
      log: createLogger('silent'),
      secureCookies: true,
      allowPrivateAddresses: true,
      auth: { sessions, oidc: new OidcLogin({ publicUrl: portal.url, providers: {} }), environment: 'development', publicUrl: portal.url },
    });
    const served2 = await serveFetch({ fetch: secure.fetch });
    try {
      const res = await request(new CookieJar(), `${served2.url}/login/demo`, {
        form: { person_id: String(students[0]!.personId) },
        headers: { origin: served2.url },
      });
      expect(res.status).toBe(303);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-sid='))!;
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      expect(cookie).toMatch(/; SameSite=Lax/);
      expect(cookie).not.toMatch(/Domain=/);
    } finally {
      await served2.close();
    }
  });

  it('answers an unknown provider with 404', async () => {
    expect((await request(new CookieJar(), `${portal.url}/login/mykoob`)).status).toBe(404);
    expect((await request(new CookieJar(), `${portal.url}/login/demo`)).status).toBe(404);
    expect((await request(new CookieJar(), `${portal.url}/auth/nowhere/callback?state=x`)).status).toBe(404);
  });
});
