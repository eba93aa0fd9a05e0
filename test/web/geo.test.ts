import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcLogin } from '../../src/auth/oidc.js';
import { generateDemo } from '../../src/data/demo.js';
import { demoStudents } from '../../src/data/sign-in.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { normaliseAddress } from '../../src/net/ip.js';
import { parseTrustedProxies, trustedProxies } from '../../src/net/trusted-proxies.js';
import { clientAddress } from '../../src/web/client-address.js';
import { CountryDatabase, defaultCountryDatabase, defaultCountryDatabaseFile, GeoDatabaseError } from '../../src/net/country-database.js';
import { GEO_GUARDED_PREFIXES, GEO_OPEN_PATHS, geoVerdict, isGeoGuardedPath, isPrivateAddress } from '../../src/web/geo.js';
import { requireStudent } from '../../src/web/session.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { country, writeMmdb } from '../support/mmdb.js';
import { agencyUser } from '../support/staff.js';
import { validPersonalCode } from '../support/register.js';

// Real addresses, checked against the shipped data first so a data update that moves them fails loudly here.
const LATVIA = ['85.254.0.1', '87.110.1.1', '159.148.1.1', '2001:1bf8::1'];
const LITHUANIA = ['78.56.0.1', '84.15.0.1', '88.119.0.1', '2001:778::1'];
const ESTONIA = ['90.190.0.1', '194.204.0.1', '195.80.96.1', '2001:7d0::1'];
const GERMANY = ['217.160.0.1', '2a01:4f8::1'];
const USA = ['8.8.8.8', '2607:f8b0:4004::1'];
/** TEST-NET-1: public in form, placed by no geo data. */
const UNPLACED = '192.0.2.1';
const PRIVATE = ['127.0.0.1', '::1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '100.64.1.1', '169.254.0.9', 'fd12:3456::1', 'fe80::1', '::ffff:192.168.0.2'];

/** A request as if from a socket peer at `remoteAddress` (what @hono/node-server/conninfo reads). */
function from(remoteAddress: string) {
  return { incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } };
}

describe('the shipped geo data', () => {
  it('places the test addresses where the tests assume', () => {
    const shipped = defaultCountryDatabase();
    for (const [code, addresses] of [
      ['LV', LATVIA],
      ['LT', LITHUANIA],
      ['EE', ESTONIA],
      ['DE', GERMANY],
      ['US', USA],
    ] as const) {
      for (const address of addresses) expect(shipped.country(address), address).toBe(code);
    }
    expect(shipped.country('::ffff:85.254.0.1')).toBe('LV');
    expect(shipped.country(UNPLACED)).toBeUndefined();
  });

  it('is DB-IP Lite data with a build time, credited to DB-IP', () => {
    const shipped = defaultCountryDatabase();
    expect(shipped.file).toBe(defaultCountryDatabaseFile());
    expect(shipped.file).toMatch(/@ip-location-db\/dbip-country-mmdb\/dbip-country\.mmdb$/);
    const status = shipped.status();
    expect(Date.parse(status.builtAt)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(status.maxAgeDays).toBe(35);
    expect(shipped.attribution()).toEqual({ label: 'IP Geolocation by DB-IP', href: 'https://db-ip.com' });
  });
});

describe('client address', () => {
  const probe = (trusted: string[]) => {
    const app = new Hono();
    const list = trustedProxies(trusted);
    app.get('/', (c) => c.text(clientAddress(c, list) ?? 'none'));
    return async (peer: string | undefined, forwardedFor?: string) => {
      const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
      const res = await app.request('/', { headers }, peer === undefined ? {} : from(peer));
      return res.text();
    };
  };

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const noProxies = probe([]);
    expect(await noProxies('217.160.0.1', '85.254.0.1')).toBe('217.160.0.1');
    const someProxies = probe(['10.0.0.0/8']);
    expect(await someProxies('217.160.0.1', '85.254.0.1')).toBe('217.160.0.1');
    expect(await someProxies('192.168.1.1', '85.254.0.1')).toBe('192.168.1.1');
  });

  it('reads X-Forwarded-For right to left past trusted hops, never trusting the leftmost entry', async () => {
    const ask = probe(['10.0.0.0/8', '2001:db8::/32', '203.0.113.7']);
    expect(await ask('10.0.0.5', '85.254.0.1')).toBe('85.254.0.1');
    // The visitor forged a German entry on the left; our proxy 203.0.113.7 appended what its peer was.
    expect(await ask('10.0.0.5', '217.160.0.1, 85.254.0.1, 203.0.113.7')).toBe('85.254.0.1');
    // The other way round: a forged Latvian entry on the left changes nothing.
    expect(await ask('10.0.0.5', '85.254.0.1, 217.160.0.1, 203.0.113.7')).toBe('217.160.0.1');
    expect(await ask('10.0.0.5', '85.254.0.1, 217.160.0.1')).toBe('217.160.0.1');
    // Several headers are one list; IPv6 hops and ports as some proxies write them.
    expect(await ask('2001:db8::1', '85.254.0.1, [2001:1bf8::1]:443, 10.9.9.9:5000')).toBe('2001:1bf8::1');
    // Without the header, or when every hop is ours, the answer is a proxy (which production refuses).
    expect(await ask('10.0.0.5')).toBe('10.0.0.5');
    expect(await ask('10.0.0.5', '10.0.0.9, 203.0.113.7')).toBe('10.0.0.9');
    // Garbage stops the walk at the last trusted hop instead of believing what lies beyond it.
    expect(await ask('10.0.0.5', '85.254.0.1, nonsense')).toBe('10.0.0.5');
    expect(await ask('10.0.0.5', '85.254.0.1, nonsense, 203.0.113.7')).toBe('203.0.113.7');
  });

  it('normalises IPv4-mapped IPv6, in the socket address, the trusted list and the header', async () => {
    const ask = probe(['::ffff:10.0.0.0/104']);
    expect(await ask('::ffff:10.0.0.5', '::ffff:85.254.0.1')).toBe('85.254.0.1');
    expect(await ask('::FFFF:217.160.0.1')).toBe('217.160.0.1');
    expect(normaliseAddress('0:0:0:0:0:ffff:8.8.8.8')).toBe('8.8.8.8');
    expect(normaliseAddress('FE80::1%eth0')).toBe('fe80::1');
    expect(normaliseAddress('not-an-address')).toBeUndefined();
    expect(await probe([])(undefined)).toBe('none');
  });

  it('checks TRUSTED_PROXIES at start', () => {
    expect(parseTrustedProxies(' 10.0.0.5, 10.1.0.0/16 ,fd00::/8,::ffff:192.168.0.1 ')).toEqual({
      entries: ['10.0.0.5', '10.1.0.0/16', 'fd00::/8', '192.168.0.1'],
      problems: [],
    });
    expect(parseTrustedProxies('10.0.0.0/33, proxy.local, 2001:db8::/129, 10.0.0.1/x').problems).toHaveLength(4);
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::1' }).trustedProxies).toEqual(['10.0.0.0/8', '2001:db8::1']);
    expect(loadConfig({}).trustedProxies).toEqual([]);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, lb.internal' })).toThrow(/TRUSTED_PROXIES: "lb\.internal" is not an IP address/);
    expect(() => trustedProxies(['300.1.1.1'])).toThrow(/TRUSTED_PROXIES/);
  });
});

describe('Baltic-only student pages', () => {
  let test: TestDatabase;
  const apps = (options: { allowPrivateAddresses: boolean; trustedProxies?: string[] }) => {
    const app = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      trust: { sealRoots: [], timestampRoots: [] },
      ...options,
    });
    app.get('/results', (c) => c.text('results page'));
    app.get('/certificates/:file', (c) => c.text('certificate'));
    app.get('/login', (c) => c.text('login page'));
    return app;
  };
  let development: ReturnType<typeof createApp>;
  let production: ReturnType<typeof createApp>;

  beforeAll(async () => {
    test = await openTestDatabase('sqlite');
    development = apps({ allowPrivateAddresses: true });
    production = apps({ allowPrivateAddresses: false, trustedProxies: ['10.0.0.0/8'] });
  });
  afterAll(async () => test.close());

  const expectRefusal = async (res: Response) => {
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('Pieejams tikai no Baltijas valstīm'); // Latvian
    expect(body).toContain('Available only from the Baltic states'); // and English, on the same page
    expect(body).toContain('href="https://latvija.gov.lv/Services/45822"');
    expect(body).toContain('Izglītību apliecinošo dokumentu apskate un saņemšana');
    expect(body).toContain('<section lang="en">');
    expect(body).toContain('<a href="https://db-ip.com">IP Geolocation by DB-IP</a>'); // the data's CC BY 4.0 credit
  };

  it('guards the student pages and nothing public, nothing of the staff and not signing out', () => {
    expect(GEO_GUARDED_PREFIXES).toEqual(['/results', '/certificates/', '/login', '/auth/', '/apply']);
    expect(GEO_OPEN_PATHS).toEqual(['/login/latvija', '/auth/latvija/callback']);
    for (const path of [
      '/results',
      '/results/2026',
      '/certificates/2026%2F1-KUMAL.edoc',
      '/login',
      '/login/demo',
      '/login/eklase',
      '/login/mykoob',
      '/auth/eklase/callback',
      '/auth/mykoob/callback',
      '/login/latvija/x',
      '/auth/latvija/other',
      '/apply',
      '/apply/applications/1/receipt.pdf',
    ]) {
      expect(isGeoGuardedPath(path), path).toBe(true);
    }
    for (const path of [
      '/',
      '/healthz',
      '/static/app.css',
      '/verify',
      '/verify/number',
      '/embed',
      '/embed/x',
      '/api/certificates',
      '/eservice/',
      '/logout',
      '/staff',
      '/staff/login',
      '/staff/login/demo',
      '/staff/sessions',
      '/staff/reports/1/download',
      '/staff/paper-requests',
      '/login/latvija',
      '/auth/latvija/callback',
    ]) {
      expect(isGeoGuardedPath(path), path).toBe(false);
    }
  });

  it('lets Latvian, Lithuanian and Estonian addresses in, IPv4 and IPv6', async () => {
    for (const address of [...LATVIA, ...LITHUANIA, ...ESTONIA, '::ffff:85.254.0.1']) {
      expect(geoVerdict(normaliseAddress(address)), address).toBe('baltic');
      const res = await production.request('/results', {}, from(address));
      expect(res.status, address).toBe(200);
      expect(await res.text()).toBe('results page');
    }
    expect((await production.request('/certificates/2026%2F1-KUMAL.edoc', {}, from('78.56.0.1'))).status).toBe(200);
  });

  it('refuses German and US addresses with the bilingual page, IPv4 and IPv6', async () => {
    for (const address of [...GERMANY, ...USA, '::ffff:217.160.0.1']) {
      for (const path of ['/results', '/login', '/certificates/x.edoc', '/auth/eklase/callback?code=1']) {
        await expectRefusal(await production.request(path, {}, from(address)));
      }
      await expectRefusal(await development.request('/results', {}, from(address)));
    }
  });

  it('refuses a public address the data does not know', async () => {
    expect(geoVerdict(UNPLACED)).toBe('unknown');
    await expectRefusal(await development.request('/results', {}, from(UNPLACED)));
  });

  it('does not let a forged X-Forwarded-For from an untrusted peer past the filter', async () => {
    for (const app of [development, production]) {
      await expectRefusal(await app.request('/results', { headers: { 'x-forwarded-for': '85.254.0.1' } }, from('217.160.0.1')));
      await expectRefusal(await app.request('/results', { headers: { 'x-forwarded-for': '2001:1bf8::1' } }, from('2a01:4f8::1')));
    }
  });

  it('believes a trusted proxy, read right to left', async () => {
    const viaProxy = (xff: string) => production.request('/results', { headers: { 'x-forwarded-for': xff } }, from('10.0.0.5'));
    expect((await viaProxy('85.254.0.1')).status).toBe(200);
    expect((await viaProxy('217.160.0.1, 85.254.0.1, 10.0.0.7')).status).toBe(200);
    await expectRefusal(await viaProxy('85.254.0.1, 217.160.0.1, 10.0.0.7'));
    await expectRefusal(await viaProxy('8.8.8.8'));
    // The proxy itself (no header) is a private address: refused in production.
    await expectRefusal(await production.request('/results', {}, from('10.0.0.5')));
  });

  it('lets loopback and private addresses in only in development', async () => {
    for (const address of PRIVATE) {
      expect(isPrivateAddress(normaliseAddress(address)!), address).toBe(true);
      expect((await development.request('/results', {}, from(address))).status, address).toBe(200);
      await expectRefusal(await production.request('/results', {}, from(address)));
    }
    // In-process requests without a socket count as local.
    expect((await development.request('/results')).status).toBe(200);
    await expectRefusal(await production.request('/results'));
  });

  it('keeps /verify, /healthz, the home page, static files and the server-to-server routes open to anyone', async () => {
    for (const address of ['217.160.0.1', '2607:f8b0:4004::1']) {
      const verify = await production.request('/verify?lang=en', {}, from(address));
      expect(verify.status).toBe(200);
      expect(await verify.text()).toContain('<form');
      const health = await production.request('/healthz', {}, from(address));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', geo: { maxAgeDays: 35 } });
      const home = await production.request('/', {}, from(address));
      expect(home.status).toBe(200);
      const css = /href="(\/static\/app\.[0-9a-f]{10}\.css)"/.exec(await home.text())![1]!;
      expect((await production.request(css, {}, from(address))).status).toBe(200);
      for (const path of ['/api/certificates', '/embed']) {
        expect((await production.request(path, {}, from(address))).status, path).not.toBe(403);
      }
    }
  });

  describe('over a real socket on 127.0.0.1', () => {
    let proxied: ServerType;
    let direct: ServerType;
    const url = (server: ServerType, path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

    beforeAll(async () => {
      const listen = (app: ReturnType<typeof createApp>) =>
        new Promise<ServerType>((resolve) => {
          const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(server));
        });
      proxied = await listen(apps({ allowPrivateAddresses: false, trustedProxies: ['127.0.0.1'] }));
      direct = await listen(apps({ allowPrivateAddresses: false }));
    });
    afterAll(async () => {
      await Promise.all([proxied, direct].map((server) => new Promise((resolve) => server.close(resolve))));
    });

    it('honours X-Forwarded-For only when 127.0.0.1 is a trusted proxy', async () => {
      const get = (server: ServerType, xff?: string) => fetch(url(server, '/results'), { headers: xff ? { 'x-forwarded-for': xff } : {} });
      const lv = await get(proxied, '85.254.0.1');
      expect(lv.status).toBe(200);
      expect(await lv.text()).toBe('results page');
      await expectRefusal(await get(proxied, '217.160.0.1'));
      await expectRefusal(await get(proxied, '85.254.0.1, 217.160.0.1'));
      expect((await get(proxied, '217.160.0.1, 85.254.0.1')).status).toBe(200);
      // Not a trusted proxy: the header is ignored, and the loopback peer is refused in production.
      await expectRefusal(await get(direct, '85.254.0.1'));
      await expectRefusal(await get(direct));
      expect((await fetch(url(direct, '/healthz'))).status).toBe(200);
    });
  });
});

/** The refusal page of the Baltic-only filter. */
async function expectGeoRefusal(res: Response) {
  expect(res.status).toBe(403);
  expect(await res.text()).toContain('Available only from the Baltic states');
}

describe.each(DATABASE_KINDS)('signing out and the staff pages from abroad on %s', (kind) => {
  const PUBLIC_URL = 'https://eksameni.example.lv';
  const ABROAD = ['217.160.0.1', '2607:f8b0:4004::1'];
  let test: TestDatabase;
  let app: ReturnType<typeof createApp>;
  let sessions: WebSessionStore;
  let studentId: number;
  let staffId: number;
  const started: string[] = [];
  // No provider is reached: starting a sign-in only has to get past the filter and send the browser on.
  const oidc = {
    configured: (audience: 'student' | 'staff' = 'student') => (audience === 'staff' ? ['latvija'] : ['eklase']),
    has: (name: string) => name === 'latvija' || name === 'eklase',
    start: async (name: string) => {
      started.push(name);
      return { url: new URL(`https://${name}.example/authorize`), state: `state-${started.length}`, nonce: 'nonce', codeVerifier: 'verifier' };
    },
    seal: () => 'sealed-login',
    // No browser here carries a login cookie from a real start: every callback is another sign-in's answer.
    resume: () => ({ problem: 'state', why: 'no login cookie' }),
    finish: async () => {
      throw new Error('the provider is never reached in these tests');
    },
  } as unknown as OidcLogin;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await generateDemo(test.handle.db, { students: 5, seed: 11 });
    studentId = (await demoStudents(test.handle.db, 1))[0]!.personId;
    staffId = await agencyUser(test.handle.db, validPersonalCode(600_001));
    sessions = new WebSessionStore(test.handle.db, { idleMinutes: 30, touchDelayMs: 0 });
    app = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      allowPrivateAddresses: false,
      secureCookies: true,
      auth: { sessions, oidc, environment: 'production', publicUrl: PUBLIC_URL },
      student: { requireStudent: requireStudent() },
      staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS } },
    });
  });
  afterAll(async () => test?.close());

  const sessionRow = (idHash: string) => test.handle.db.selectFrom('web_sessions').select('id_hash').where('id_hash', '=', idHash).executeTakeFirst();
  const signOut = (cookie: string, csrf: string, address: string) =>
    app.request(
      `${PUBLIC_URL}/logout`,
      {
        method: 'POST',
        headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }).toString(),
      },
      from(address),
    );

  it('ends a student’s session from abroad, where the results stay refused', async () => {
    for (const address of ABROAD) {
      const { token, row } = await sessions.create({ kind: 'student', personId: studentId, provider: 'eklase', displayName: 'Studente' });
      const cookie = `__Host-sid=${token}`;
      await expectGeoRefusal(await app.request(`${PUBLIC_URL}/results`, { headers: { cookie } }, from(address)));
      const out = await signOut(cookie, row.csrf_token, address);
      expect(out.status, address).toBe(303);
      expect(out.headers.get('location')).toBe('/signed-out');
      expect(out.headers.get('set-cookie')).toMatch(/__Host-sid=;.*Max-Age=0/i);
      expect(await sessionRow(row.id_hash), address).toBeUndefined();
    }
    const audit = await test.handle.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor', '=', `person:${studentId}`)
      .where('action', '=', 'sign-out')
      .execute();
    expect(audit).toHaveLength(ABROAD.length);
  });

  it('still wants the session’s CSRF token and the portal’s origin to sign out from abroad', async () => {
    const { token, row } = await sessions.create({ kind: 'student', personId: studentId, provider: 'eklase', displayName: 'Studente' });
    const cookie = `__Host-sid=${token}`;
    expect((await signOut(cookie, 'wrong', ABROAD[0]!)).status).toBe(403);
    const foreignOrigin = await app.request(
      `${PUBLIC_URL}/logout`,
      {
        method: 'POST',
        headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${row.csrf_token}`,
      },
      from(ABROAD[0]!),
    );
    expect(foreignOrigin.status).toBe(403);
    expect(await sessionRow(row.id_hash)).toBeDefined();
    expect((await signOut(cookie, row.csrf_token, ABROAD[0]!)).status).toBe(303);
    expect(await sessionRow(row.id_hash)).toBeUndefined();
  });

  it('lets staff work, sign in through Latvija.lv and sign out from abroad', async () => {
    for (const address of ABROAD) {
      const { token, row } = await sessions.create({ kind: 'staff', userId: staffId, provider: 'latvija', displayName: 'Aģentūras darbinieks' });
      const cookie = `__Host-sid=${token}`;
      const page = await app.request(`${PUBLIC_URL}/staff/reports`, { headers: { cookie } }, from(address));
      expect(page.status, address).toBe(200);
      const login = await app.request(`${PUBLIC_URL}/staff/login`, {}, from(address));
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('href="/login/latvija"');
      const start = await app.request(`${PUBLIC_URL}/login/latvija`, {}, from(address));
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toMatch(/^https:\/\/latvija\.example\/authorize/);
      // The callback is reached (and refuses this made-up state itself), not stopped by the filter.
      const callback = await app.request(`${PUBLIC_URL}/auth/latvija/callback?code=c&state=s`, {}, from(address));
      expect(callback.status).toBe(400);
      const out = await signOut(cookie, row.csrf_token, address);
      expect(out.status).toBe(303);
      expect(await sessionRow(row.id_hash)).toBeUndefined();
      const after = await app.request(`${PUBLIC_URL}/staff/reports`, { headers: { cookie } }, from(address));
      expect(after.status).toBe(302);
      expect(after.headers.get('location')).toMatch(/^\/staff\/login/);
    }
  });

  it('keeps the students’ sign-in Baltic-only', async () => {
    const before = started.filter((name) => name === 'eklase').length;
    for (const address of ABROAD) {
      for (const path of ['/login', '/login/eklase', '/auth/eklase/callback?code=c&state=s']) {
        await expectGeoRefusal(await app.request(`${PUBLIC_URL}${path}`, {}, from(address)));
      }
    }
    expect(started.filter((name) => name === 'eklase').length).toBe(before);
    const latvian = await app.request(`${PUBLIC_URL}/login/eklase`, {}, from('85.254.0.1'));
    expect(latvian.status).toBe(302);
    expect(latvian.headers.get('location')).toMatch(/^https:\/\/eklase\.example\//);
  });
});

describe('the country database file', () => {
  const DAY_MS = 86_400_000;
  let dir: string;
  let test: TestDatabase;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'geo-'));
    test = await openTestDatabase('sqlite');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await test.close();
  });

  let files = 0;
  const write = (bytes: Buffer) => {
    const file = join(dir, `countries-${++files}.mmdb`);
    writeFileSync(file, bytes);
    return file;
  };
  /** Writes a new file beside the old one and renames it over: what the update job does. */
  const replace = (file: string, bytes: Buffer) => {
    const temporary = `${file}.${++files}.tmp`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, file);
  };
  const capture = () => {
    const lines: { level: string; msg: string; [key: string]: unknown }[] = [];
    return { lines, log: createLogger('info', (line) => lines.push(JSON.parse(line))) };
  };
  /** Waits for something the file watcher does, polling; generous, as the machine may be busy. */
  async function eventually(check: () => boolean, what: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const appWith = (geo: CountryDatabase) => {
    const app = createApp({ db: test.handle.db, log: createLogger('silent'), allowPrivateAddresses: false, geo });
    app.get('/results', (c) => c.text('results page'));
    return app;
  };

  it('reads MaxMind’s and DB-IP’s record shape as well as the npm copy’s', () => {
    const database = CountryDatabase.open(
      write(
        writeMmdb([
          { network: '85.254.0.0/16', data: country('LV') },
          { network: '2001:1bf8::/32', data: { country_code: 'LV' } },
          { network: '45.0.0.0/8', data: { registered_country: { iso_code: 'US' } } },
          { network: '5.0.0.0/8', data: { country: { iso_code: 'lv' } } },
          { network: '217.160.0.0/16', data: country('DE') },
        ]),
      ),
    );
    expect(database.country('85.254.3.4')).toBe('LV');
    expect(database.country('::ffff:85.254.3.4')).toBe('LV');
    expect(database.country('2001:1bf8:1::1')).toBe('LV');
    expect(database.country('45.1.2.3')).toBe('US'); // no location: the registering country
    expect(database.country('5.1.2.3')).toBeUndefined(); // not an ISO code
    expect(database.country('217.160.0.1')).toBe('DE');
    expect(database.country('9.9.9.9')).toBeUndefined();
    expect(database.country('not an address')).toBeUndefined();
    expect(geoVerdict('85.254.3.4', database)).toBe('baltic');
    expect(geoVerdict('9.9.9.9', database)).toBe('unknown');
  });

  it('credits the source its file names, on every page and on the refusal page', async () => {
    const open = (databaseType: string) => CountryDatabase.open(write(writeMmdb([{ network: '217.160.0.0/16', data: country('DE') }], { databaseType })));
    expect(open('DBIP-Country-Lite').attribution()).toEqual({ label: 'IP Geolocation by DB-IP', href: 'https://db-ip.com' });
    expect(open('GeoIP2-Country').attribution()).toBeUndefined();
    const geolite = open('GeoLite2-Country');
    expect(geolite.attribution()?.before).toContain('GeoLite2 data created by MaxMind');
    const app = appWith(geolite);
    const refused = await (await app.request('/results', {}, from('217.160.0.1'))).text();
    expect(refused).toContain('This product includes GeoLite2 data created by MaxMind, available from <a href="https://www.maxmind.com">');
    expect(await (await app.request('/')).text()).toContain('GeoLite2 data created by MaxMind');
    const shipped = await (await appWith(defaultCountryDatabase()).request('/?lang=en')).text();
    expect(shipped).toContain('<p lang="en"><a href="https://db-ip.com">IP Geolocation by DB-IP</a></p>');
  });

  it('refuses a file it cannot use, saying why', () => {
    const good = writeMmdb([{ network: '85.254.0.0/16', data: country('LV') }]);
    expect(() => CountryDatabase.open(join(dir, 'missing.mmdb'))).toThrow(/cannot be read/);
    expect(() => CountryDatabase.open(write(gzipSync(good)))).toThrow(/gzip-compressed/);
    expect(() => CountryDatabase.open(write(Buffer.from('<html>Not Found</html>')))).toThrow(GeoDatabaseError);
    expect(() => CountryDatabase.open(write(good.subarray(0, 200)))).toThrow(GeoDatabaseError);
    // The tree cut short while the metadata is kept.
    const metadataAt = good.lastIndexOf(Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'));
    expect(() => CountryDatabase.open(write(Buffer.concat([good.subarray(0, 100), good.subarray(metadataAt)])))).toThrow(/truncated|damaged/);
  });

  it('warns of data older than GEOIP_MAX_AGE_DAYS at start and on /healthz, which stays healthy', async () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const old = write(writeMmdb([{ network: '85.254.0.0/16', data: country('LV') }], { buildEpoch: new Date(now.getTime() - 40 * DAY_MS) }));
    const fresh = write(writeMmdb([{ network: '85.254.0.0/16', data: country('LV') }], { buildEpoch: new Date(now.getTime() - 3 * DAY_MS) }));

    const stale = capture();
    const database = CountryDatabase.open(old, { maxAgeDays: 35, log: stale.log, clock: () => now });
    const warning = stale.lines.find((line) => line.level === 'warn');
    expect(warning).toMatchObject({ msg: expect.stringContaining('older than GEOIP_MAX_AGE_DAYS'), file: old, ageDays: 40, maxAgeDays: 35, stale: true });
    expect(stale.lines.find((line) => line.msg === 'geo database loaded')).toMatchObject({ builtAt: '2026-10-22T12:00:00.000Z' });
    const health = await appWith(database).request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', geo: { builtAt: '2026-10-22T12:00:00.000Z', ageDays: 40, maxAgeDays: 35, stale: true } });

    const ok = capture();
    const current = CountryDatabase.open(fresh, { maxAgeDays: 35, log: ok.log, clock: () => now });
    expect(ok.lines.filter((line) => line.level === 'warn')).toEqual([]);
    expect(current.status()).toMatchObject({ ageDays: 3, stale: false });
    expect(current.status(new Date(now.getTime() + 32 * DAY_MS))).toMatchObject({ ageDays: 35, stale: false });
    expect(current.status(new Date(now.getTime() + 33 * DAY_MS))).toMatchObject({ ageDays: 36, stale: true });
  });

  it('reads a file renamed over it without a restart, and keeps the data it has when the new file is broken or gone', async () => {
    const networks = (germanRange: string) => [
      { network: '85.254.0.0/16', data: country('LV') },
      { network: '217.160.0.0/16', data: country(germanRange) },
    ];
    const file = write(writeMmdb(networks('DE'), { buildEpoch: new Date(Date.now() - 20 * DAY_MS) }));
    const { lines, log } = capture();
    const database = CountryDatabase.open(file, { log, watch: true, watchIntervalMs: 50 });
    try {
      const app = appWith(database);
      const visit = () => app.request('/results', {}, from('217.160.0.1'));
      expect(database.country('217.160.0.1')).toBe('DE');
      expect((await visit()).status).toBe(403);

      // Suppose the range moved to Latvia: the next data says so, and the running portal follows.
      replace(file, writeMmdb(networks('LV'), { buildEpoch: new Date(Date.now() - DAY_MS) }));
      await eventually(() => database.country('217.160.0.1') === 'LV', 'the replaced file to be read');
      expect((await visit()).status).toBe(200);
      expect(lines.find((line) => line.msg === 'geo database reloaded')).toMatchObject({ file, ageDays: 1 });
      expect(database.status().ageDays).toBe(1);

      replace(file, Buffer.from('a download that went wrong'));
      await eventually(() => lines.some((line) => line.msg.startsWith('geo database not reloaded')), 'the broken file to be reported');
      expect(lines.find((line) => line.msg.startsWith('geo database not reloaded'))).toMatchObject({ level: 'warn', file });
      expect(database.country('217.160.0.1')).toBe('LV');
      expect((await visit()).status).toBe(200);

      rmSync(file);
      await eventually(() => lines.some((line) => line.msg.startsWith('geo database file is gone')), 'the missing file to be reported');
      expect(database.country('217.160.0.1')).toBe('LV');

      // Watching goes on after a broken or missing file.
      replace(file, writeMmdb(networks('EE')));
      await eventually(() => database.country('217.160.0.1') === 'EE', 'the next good file to be read');
      expect(database.status().ageDays).toBe(0);
    } finally {
      database.close();
    }
  });

  it('takes GEOIP_DB_FILE and GEOIP_MAX_AGE_DAYS from the settings', () => {
    expect(loadConfig({}).geoip).toEqual({ file: defaultCountryDatabaseFile(), maxAgeDays: 35 });
    const file = write(writeMmdb([]));
    expect(loadConfig({ GEOIP_DB_FILE: file, GEOIP_MAX_AGE_DAYS: '60' }).geoip).toEqual({ file, maxAgeDays: 60 });
    expect(() => loadConfig({ GEOIP_DB_FILE: join(dir, 'missing.mmdb') })).toThrow(/GEOIP_DB_FILE: no file at/);
    expect(() => loadConfig({ GEOIP_MAX_AGE_DAYS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ GEOIP_MAX_AGE_DAYS: 'soon' })).toThrow(/GEOIP_MAX_AGE_DAYS="soon"/);
  });
});
