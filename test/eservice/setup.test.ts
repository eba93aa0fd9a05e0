/**
 * The e-service's settings, the development key made at first use, and `npm run cli -- eservice-token`, whose token
 * the portal (configured from the same settings) accepts once: what a newcomer does to see the embedded list.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliServices, runCli } from '../../src/cli/main.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { prepareEservice } from '../../src/eservice/setup.js';
import { createApp } from '../../src/web/app.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { eserviceKeySet, eserviceTokenVerifier } from '../../src/eservice/token.js';
import { serveNode } from '../support/http-browser.js';
import { AUDIENCE, ISSUER, seedEserviceRegister, signingKey, token, type EserviceRegister } from './fixture.js';

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return '';
}

describe('e-service settings', () => {
  const file = new URL('../../package.json', import.meta.url).pathname;
  const production = {
    NODE_ENV: 'production',
    SEAL_KEY_FILE: file,
    SEAL_CERT_FILE: file,
    TRUSTED_SEAL_ROOTS_FILE: file,
    SEAL_ORGANIZATION_ID: 'NTRLV-90001234567',
    SUPPORT_EMAIL: 'eksameni@viaa.example.lv',
    SUPPORT_PHONE: '+371 67 000 001',
    PAPER_PICKUP_ADDRESS: 'Vaļņu iela 3, Rīga, LV-1050',
    PAPER_PRICE_EUR: '0',
  };

  it('outside production, without settings, is the demo e-service with its key in DATA_DIR/eservice', () => {
    expect(loadConfig({}).eservice).toEqual({
      issuer: 'urn:eksameni:development-eservice',
      audience: 'http://127.0.0.1:3000',
      keys: { kind: 'development' },
      origins: [],
      maxTokenSeconds: 300,
    });
    expect(loadConfig({ ESERVICE_ORIGINS: 'http://localhost:8080, https://www.latvija.lv/', ESERVICE_MAX_TOKEN_SECONDS: '120' }).eservice).toMatchObject({
      origins: ['http://localhost:8080', 'https://www.latvija.lv'],
      maxTokenSeconds: 120,
    });
  });

  it('in production is off without settings, and needs issuer, audience, keys and https origins together', () => {
    expect(loadConfig(production).eservice).toBeUndefined();
    const config = loadConfig({
      ...production,
      ESERVICE_ISSUER: 'https://eservice.latvija.lv',
      ESERVICE_AUDIENCE: 'https://eksameni.lv',
      ESERVICE_JWKS_URL: 'https://eservice.latvija.lv/jwks',
      ESERVICE_ORIGINS: 'https://latvija.gov.lv',
    });
    expect(config.eservice).toEqual({
      issuer: 'https://eservice.latvija.lv',
      audience: 'https://eksameni.lv',
      keys: { kind: 'url', url: 'https://eservice.latvija.lv/jwks' },
      origins: ['https://latvija.gov.lv'],
      maxTokenSeconds: 300,
    });
    const message = problems({
      ...production,
      ESERVICE_ISSUER: 'https://eservice.latvija.lv',
      ESERVICE_JWKS_URL: 'http://eservice.latvija.lv/jwks',
      ESERVICE_ORIGINS: 'http://latvija.gov.lv',
    });
    expect(message).toContain('production with the e-service needs ESERVICE_AUDIENCE');
    expect(message).toContain('ESERVICE_JWKS_URL="http://eservice.latvija.lv/jwks" must be https:// in production');
    expect(message).toContain('ESERVICE_ORIGINS: "http://latvija.gov.lv" must be https:// in production');
    expect(problems({ ...production, ESERVICE_ISSUER: 'x', ESERVICE_AUDIENCE: 'y', ESERVICE_JWKS_FILE: file })).toContain(
      'production with the e-service needs ESERVICE_ORIGINS',
    );
  });

  it('names every wrong value', () => {
    const message = problems({
      ESERVICE_ORIGINS: 'https://a.lv/path, *',
      ESERVICE_MAX_TOKEN_SECONDS: '3600',
      ESERVICE_ISSUER: 'a b',
      ESERVICE_JWKS_FILE: '/no/such/jwks.json',
      ESERVICE_JWKS_URL: 'https://x/jwks',
    });
    expect(message).toContain('ESERVICE_ORIGINS: "https://a.lv/path" is not an origin');
    expect(message).toContain('ESERVICE_ORIGINS: "*" is not an origin');
    expect(message).toContain('ESERVICE_MAX_TOKEN_SECONDS="3600" must be a whole number from 10 to 600');
    expect(message).toContain('ESERVICE_ISSUER="a b" must be one word');
    expect(message).toContain('choose one of ESERVICE_JWKS_URL and ESERVICE_JWKS_FILE');
  });
});

describe('the demo e-service token on the command line', () => {
  let dataDir: string;
  let test: TestDatabase;
  let register: EserviceRegister;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'eservice-cli-'));
    test = await openTestDatabase('sqlite');
    register = await seedEserviceRegister(test.handle.db);
  });
  afterAll(async () => {
    await test?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const run = async (config: ReturnType<typeof loadConfig>, ...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (s: string) => (out.push(s), true) }, stderr: { write: (s: string) => (err.push(s), true) } };
    const code = await runCli(argv, test.handle, io, cliServices(config));
    return { code, out: out.join(''), err: err.join('') };
  };

  it('prints a token and the embed address that the portal, configured the same way, accepts once', async () => {
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '3999' });
    const result = await run(config, 'eservice-token', register.holder.personalCode, '--json');
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.out) as { token: string; url: string; seconds: number };
    expect(printed.url).toBe(`http://127.0.0.1:3999/eservice/certificates?token=${printed.token}`);
    expect(printed.seconds).toBe(300);
    // The key pair was made at first use, the private half readable by its owner only.
    expect(existsSync(join(dataDir, 'eservice', 'jwks.json'))).toBe(true);
    expect(statSync(join(dataDir, 'eservice', 'signing-key.jwk.json')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dataDir, 'eservice', 'jwks.json'), 'utf8')).not.toContain('"d"');

    const eservice = await prepareEservice(config, test.handle.db);
    const app = createApp({ db: test.handle.db, log: createLogger('silent'), eservice });
    const url = new URL(printed.url);
    const first = await app.request(url.pathname + url.search);
    expect(first.status).toBe(303);
    const list = await (await app.request(first.headers.get('location')!)).text();
    expect(list).toContain(register.numbers.kumalOf2025);
    expect((await app.request(url.pathname + url.search)).status).toBe(401);

    const text = await run(config, 'eservice-token', register.parentCode, '--represented', register.child.personalCode, '--lang', 'en');
    expect(text.code).toBe(0);
    expect(text.out).toContain('usable once');
    const parentUrl = new URL(/http:\/\/\S+/.exec(text.out)![0]);
    const parentList = await (await app.request((await app.request(parentUrl.pathname + parentUrl.search)).headers.get('location')!)).text();
    expect(parentList).toContain(register.numbers.childLat09);
  });

  it('refuses a wrong personal code, and a configuration with the real e-service’s keys', async () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect((await run(config, 'eservice-token', '123')).code).toBe(2);
    const jwks = join(dataDir, 'real-jwks.json');
    writeFileSync(jwks, '{"keys":[]}');
    const real = loadConfig({ DATA_DIR: dataDir, ESERVICE_ISSUER: 'https://eservice.example', ESERVICE_JWKS_FILE: jwks });
    const refused = await run(real, 'eservice-token', register.holder.personalCode, '--lang', 'en');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Demo e-service tokens can only be made in development');
  });
});

describe('the e-service’s published keys', () => {
  it('are fetched from ESERVICE_JWKS_URL; when they cannot be fetched the answer is 503, not a refusal of the person', async () => {
    const test = await openTestDatabase('sqlite');
    const register = await seedEserviceRegister(test.handle.db);
    const key = await signingKey();
    const published = await serveNode();
    let fetched = 0;
    published.server.on('request', (_req, res) => {
      fetched++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    });
    try {
      const verify = eserviceTokenVerifier({
        db: test.handle.db,
        keys: await eserviceKeySet({ kind: 'url', url: `${published.url}/jwks` }, '/nonexistent'),
        issuer: ISSUER,
        audience: AUDIENCE,
        maxTokenSeconds: 300,
      });
      const verified = await verify(await token(key, { personalCode: register.holder.personalCode, now: new Date() }));
      expect(verified).toMatchObject({ holderCode: register.holder.personalCode, representative: false });
      await verify(await token(key, { personalCode: register.holder.personalCode, now: new Date() }));
      expect(fetched).toBe(1);

      const closed = await serveNode();
      const deadUrl = `${closed.url}/jwks`;
      await closed.close();
      const eservice = {
        verify: eserviceTokenVerifier({
          db: test.handle.db,
          keys: await eserviceKeySet({ kind: 'url', url: deadUrl }, '/nonexistent'),
          issuer: ISSUER,
          audience: AUDIENCE,
          maxTokenSeconds: 300,
        }),
        origins: [],
        publicUrl: 'http://127.0.0.1:3000',
        token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: 300 },
      };
      const app = createApp({ db: test.handle.db, log: createLogger('silent'), eservice });
      const jwt = await token(key, { personalCode: register.holder.personalCode, now: new Date() });
      expect((await app.request(`/eservice/certificates?token=${jwt}`)).status).toBe(503);
      const api = await app.request('/eservice/certificates', { headers: { authorization: `Bearer ${jwt}`, accept: 'application/json' } });
      expect(api.status).toBe(503);
      expect(await api.json()).toEqual({ error: 'temporarily_unavailable' });
    } finally {
      await published.close();
      await test.close();
    }
  });
});
