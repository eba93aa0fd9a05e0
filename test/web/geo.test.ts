import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import geoip from 'geoip-country';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { clientAddress, normaliseAddress, parseTrustedProxies, trustedProxies } from '../../src/web/client-address.js';
import { GEO_GUARDED_PREFIXES, geoVerdict, isGeoGuardedPath, isPrivateAddress } from '../../src/web/geo.js';
import { loadConfig } from '../../src/config.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

// Real addresses, checked against the shipped data first so a data update that moves them fails loudly here.
const LATVIA = ['85.254.0.1', '87.110.1.1', '2001:1bf8::1'];
const LITHUANIA = ['78.56.0.1', '84.15.0.1', '2001:778::1'];
const ESTONIA = ['90.190.0.1', '194.204.0.1', '2001:7d0::1'];
const GERMANY = ['217.160.0.1', '2a01:4f8::1'];
const USA = ['8.8.8.8', '2001:4860:4860::8888'];
const PRIVATE = ['127.0.0.1', '::1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '100.64.1.1', '169.254.0.9', 'fd12:3456::1', 'fe80::1', '::ffff:192.168.0.2'];

/** A request as if from a socket peer at `remoteAddress` (what @hono/node-server/conninfo reads). */
function from(remoteAddress: string) {
  return { incoming: { socket: { remoteAddress, remotePort: 40000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } };
}

describe('the shipped geo data', () => {
  it('places the test addresses where the tests assume', () => {
    for (const [country, addresses] of [['LV', LATVIA], ['LT', LITHUANIA], ['EE', ESTONIA], ['DE', GERMANY], ['US', USA]] as const) {
      for (const address of addresses) expect(geoip.lookup(address)?.country, address).toBe(country);
    }
    expect(geoip.lookup('1.1.1.1')).toBeNull(); // a public address the data does not place
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
  };

  it('guards the student pages and nothing public', () => {
    expect(GEO_GUARDED_PREFIXES).toEqual(['/results', '/certificates/', '/login', '/auth/', '/logout']);
    for (const path of ['/results', '/results/2026', '/certificates/2026%2F1-KUMAL.edoc', '/login', '/login/demo', '/auth/eklase/callback', '/logout']) {
      expect(isGeoGuardedPath(path), path).toBe(true);
    }
    for (const path of ['/', '/healthz', '/static/app.css', '/verify', '/verify/number', '/embed', '/embed/x', '/api/certificates']) {
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
      for (const path of ['/results', '/login', '/certificates/x.edoc', '/auth/eklase/callback?code=1', '/logout']) {
        await expectRefusal(await production.request(path, {}, from(address)));
      }
      await expectRefusal(await development.request('/results', {}, from(address)));
    }
  });

  it('refuses a public address the data does not know', async () => {
    expect(geoVerdict('1.1.1.1')).toBe('unknown');
    await expectRefusal(await development.request('/results', {}, from('1.1.1.1')));
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
    for (const address of ['217.160.0.1', '2001:4860:4860::8888']) {
      const verify = await production.request('/verify?lang=en', {}, from(address));
      expect(verify.status).toBe(200);
      expect(await verify.text()).toContain('<form');
      const health = await production.request('/healthz', {}, from(address));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
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
