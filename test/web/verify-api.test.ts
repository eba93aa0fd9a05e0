/**
 * The verification API for universities and employers: uploads checked in the verification pool, look-ups by
 * number and code, the same limits and audit as the page, RFC 9457 problems, CORS for any web page, and JSON that
 * the published OpenAPI document and certificate-data schema describe (checked with Ajv).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CERTIFICATE_DATA_FILE } from '../../src/certificate/facts.js';
import { annulCertificate } from '../../src/data/certificates.js';
import { createLogger } from '../../src/log.js';
import { openAsice } from '../../src/sealing/asic.js';
import { PoolBusyError } from '../../src/sealing/pool.js';
import { VerificationPool } from '../../src/sealing/verify-pool.js';
import { createApp } from '../../src/web/app.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import type { SeededSession } from '../support/register.js';
import { sealedKumalSession } from '../support/sealed-session.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const PUBLIC_URL = 'https://eksameni.example.lv';
const EDOC = 'application/vnd.etsi.asic-e+zip';

let sealing: TestSealing;
let verificationPool: VerificationPool;
let uploadsChecked = 0;
let test: TestDatabase;
let s: SeededSession;
let app: ReturnType<typeof createApp>;
const documents = new Map<string, Uint8Array>();

beforeAll(async () => {
  sealing = await startTestSealing(1, { publicUrl: PUBLIC_URL });
  verificationPool = new VerificationPool({ trust: sealing.setup.trust, workers: 1 });
  test = await openTestDatabase('sqlite');
  const db = test.handle.db;
  const sealed = await sealedKumalSession(db, (f) => sealing.pool.seal(f));
  s = sealed.session;
  for (const [number, edoc] of sealed.documents) documents.set(number, edoc);
  await annulCertificate(db, numberOf(1), 'Darbs anulēts', { actor: 't' });
  app = createApp({
    db,
    log: createLogger('silent'),
    trust: sealing.setup.trust,
    publicUrl: PUBLIC_URL,
    // The portal's own verification pool, as main.ts passes it: every upload, the API's included, goes through it.
    verifyUpload: (bytes) => {
      uploadsChecked++;
      return verificationPool.verify(bytes);
    },
  });
});

afterAll(async () => {
  await verificationPool.close();
  await sealing.close();
  await test.close();
});

beforeEach(async () => {
  await test.handle.db.deleteFrom('rate_limit_counters').execute();
  // Well inside every window (10 minutes, an hour, a day), so no count starts again during a test.
  const hour = 60 * 60_000;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Math.ceil(Date.now() / hour) * hour + 33 * 60_000 + 20_000);
});

afterEach(() => {
  vi.useRealTimers();
});

const numberOf = (i: number) => `2026/${s.candidateCodes[i]}-KUMAL`;

function dataOf(i: number): Record<string, unknown> & { verification: { code: string; address: string } } {
  return JSON.parse(new TextDecoder().decode(openAsice(documents.get(numberOf(i))!).files.get(CERTIFICATE_DATA_FILE)!)) as ReturnType<typeof dataOf>;
}

const codeOf = (i: number) => dataOf(i).verification.code;

function post(body: Uint8Array | FormData | string, type?: string, headers: Record<string, string> = {}) {
  return app.request('/api/verify', { method: 'POST', body, headers: { ...(type ? { 'content-type': type } : {}), ...headers } });
}

function get(number: string, code: string, headers: Record<string, string> = {}, via?: string) {
  return app.request(
    `/api/verify?number=${encodeURIComponent(number)}&code=${encodeURIComponent(code)}`,
    { headers },
    via ? { incoming: { socket: { remoteAddress: via, remotePort: 40000, remoteFamily: 'IPv4' } } } : undefined,
  );
}

/** Ajv over the published OpenAPI document: the answers must be what it says. */
async function openApiValidator() {
  const doc = (await (await app.request('/api/openapi.json')).json()) as Record<string, unknown>;
  // Formats are annotations in JSON Schema 2020-12; the patterns are what is checked.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...doc, $id: 'openapi.json' });
  return (name: string, value: unknown) => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${name}`)!;
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  };
}

describe('POST /api/verify', () => {
  it('says a genuine .edoc sent as the raw body is genuine, with its facts in both languages, the register state and the seal', async () => {
    const before = uploadsChecked;
    const res = await post(documents.get(numberOf(0))!, EDOC);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(uploadsChecked).toBe(before + 1);
    const report = (await res.json()) as Record<string, any>;
    expect(report).toMatchObject({
      verdict: 'genuine',
      method: 'document',
      register: { state: 'issued', annulledAt: null, annulledReason: null },
      signature: { level: 'B-LT', signer: { organization: 'Valsts izglītības attīstības aģentūra' } },
      problems: [],
    });
    expect(report.signature.signer.organizationIdentifier).toMatch(/^NTRLV-\d{11}$/);
    expect(report.certificate).toMatchObject({ number: numberOf(0), total: 88, format: 'lv-ce-certificate/2', examSession: { term: 'main' } });
    expect(report.certificate.text.en.title).toBe('CERTIFICATE OF GENERAL SECONDARY EDUCATION');
    expect(report.certificate.text.lv.total).toBe('kopvērtējums 88\u00A0%');
    // The document's own code is not repeated back.
    expect(report.certificate.verification).toBeUndefined();
    (await openApiValidator())('VerificationReport', report);
  });

  it('takes the file as the multipart field `file` too, and says an annulled certificate is annulled', async () => {
    const form = new FormData();
    form.append('file', new Blob([documents.get(numberOf(1))!]), 'sertifikats.edoc');
    const report = (await (await post(form)).json()) as Record<string, any>;
    expect(report).toMatchObject({ verdict: 'annulled', register: { state: 'annulled', annulledReason: 'Darbs anulēts' } });
  });

  it('says why a changed file is not confirmed, in English unless Latvian is asked for', async () => {
    const changed = documents.get(numberOf(0))!.slice();
    // A byte in the middle of the file lies in the PDF, which is stored as it is: its digest no longer matches.
    const middle = Math.floor(changed.length / 2);
    changed[middle] = changed[middle]! ^ 0xff;
    const report = (await (await post(changed, EDOC)).json()) as Record<string, any>;
    expect(report.verdict).toBe('not-confirmed');
    expect(report.certificate).toBeNull();
    expect(report.problems.length).toBeGreaterThan(0);
    const notZip = (await (
      await app.request('/api/verify?lang=lv', { method: 'POST', body: 'not a zip', headers: { 'content-type': EDOC } })
    ).json()) as Record<string, any>;
    expect(notZip.problems).toEqual([{ code: 'container.not-a-zip', message: 'Datne nav .edoc (ASiC-E) konteiners.' }]);
    (await openApiValidator())('VerificationReport', report);
  });

  it('answers what it cannot take with RFC 9457 problems: another media type, no file, too large, a busy pool', async () => {
    const wrongType = await post('{}', 'application/json');
    expect(wrongType.status).toBe(415);
    expect(wrongType.headers.get('content-type')).toBe('application/problem+json');
    expect(wrongType.headers.get('accept-post')).toContain(EDOC);
    const problem = await wrongType.json();
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Unsupported Media Type', status: 415 });
    const validate = await openApiValidator();
    validate('Problem', problem);

    const noFile = await post(new FormData());
    expect(noFile.status).toBe(400);
    expect(await noFile.json()).toMatchObject({ status: 400, detail: 'Choose an .edoc file.' });

    const tooLarge = await post(new Uint8Array(6 * 1024 * 1024), EDOC);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toBe('application/problem+json');

    const busy = createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      trust: sealing.setup.trust,
      verifyUpload: () => Promise.reject(new PoolBusyError(7)),
    });
    const refused = await busy.request('/api/verify', { method: 'POST', body: documents.get(numberOf(0))!, headers: { 'content-type': EDOC } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('7');
    validate('Problem', await refused.json());
  });

  it('is audited like an upload on the page, with a channel of its own', async () => {
    await post(documents.get(numberOf(0))!, EDOC);
    const entry = await test.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'certificate.verify-upload')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor: 'public', channel: 'verify-api', subject: `certificate:${numberOf(0)}` });
  });
});

describe('GET /api/verify', () => {
  it('confirms a certificate by number and verification code, or by personal code, and says which', async () => {
    const byCode = (await (await get(numberOf(0), codeOf(0))).json()) as Record<string, any>;
    expect(byCode).toMatchObject({
      verdict: 'genuine',
      method: 'verification-code',
      register: { state: 'issued', sealed: true },
      signature: null,
      certificate: { number: numberOf(0), total: 88 },
      problems: [],
    });
    expect(byCode.certificate.text.en.session).toMatch(/^School year 2025\/2026, main term /);
    (await openApiValidator())('VerificationReport', byCode);
    const byPersonalCode = (await (await get(numberOf(0), s.personalCodes[0]!)).json()) as Record<string, any>;
    expect(byPersonalCode).toMatchObject({ verdict: 'genuine', method: 'personal-code' });
    expect((await (await get(numberOf(1), codeOf(1))).json()) as Record<string, any>).toMatchObject({ verdict: 'annulled' });
    const entry = await test.handle.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'certificate.verify-number')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(entry.channel).toBe('verify-api');
  });

  it('answers a wrong code like an unknown number: not confirmed, nothing about the certificate', async () => {
    const wrong = (await (await get(numberOf(0), '0000-0000-0000-0000')).json()) as Record<string, any>;
    expect(wrong).toEqual({
      verdict: 'not-confirmed',
      method: 'verification-code',
      certificate: null,
      register: { state: 'unknown', annulledAt: null, annulledReason: null, sealed: null },
      signature: null,
      problems: [{ code: 'not-found-code', message: 'No certificate with this number and verification code was found.' }],
    });
    expect(await (await get(`2026/${s.candidateCodes[0]}-LAT09`, '0000-0000-0000-0000')).json()).toEqual(wrong);
  });

  it('explains missing or malformed parameters as a problem naming each field', async () => {
    const res = await app.request('/api/verify?number=2026-abc');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Record<string, any>;
    expect(problem.errors.map((e: { field: string }) => e.field)).toEqual(['number', 'code']);
    (await openApiValidator())('Problem', problem);
  });

  it('shares the page’s limits: 20 look-ups per address, then 429 with Retry-After', async () => {
    for (let i = 0; i < 20; i++) expect((await get(`2026/${String(900_000_000_000 + i)}-KUMAL`, codeOf(0), {}, '198.51.100.7')).status).toBe(200);
    const refused = await get(`2026/${String(900_000_000_100)}-KUMAL`, codeOf(0), {}, '198.51.100.7');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    expect(await refused.json()).toMatchObject({ status: 429, detail: 'Too many checks from your address or network. Please try again in 10 minutes.' });
    // The same visitor on the page is refused too: one set of counters.
    const page = await app.request(
      '/verify/number',
      { method: 'POST', body: new URLSearchParams({ number: numberOf(0), code: codeOf(0) }), headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { incoming: { socket: { remoteAddress: '198.51.100.7', remotePort: 40000, remoteFamily: 'IPv4' } } },
    );
    expect(page.status).toBe(429);
  });

  it('shares the number’s budget of wrong codes with the page: five wrong from anywhere, then even the right code is refused', async () => {
    for (let i = 0; i < 5; i++) expect((await get(numberOf(0), `${'0'.repeat(15)}${i}`, {}, `203.0.113.${i + 1}`)).status).toBe(200);
    const refused = await get(numberOf(0), codeOf(0), {}, '203.0.113.99');
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { detail: string }).detail).toContain('Too many wrong codes have been tried with this certificate number.');
    const page = await app.request(`/verify?number=${numberOf(0)}&code=${codeOf(0)}`);
    expect(page.status).toBe(429);
  });
});

describe('for browsers on other sites (CORS)', () => {
  it('answers a preflight for an upload from any origin, without credentials', async () => {
    const res = await app.request('/api/verify', {
      method: 'OPTIONS',
      headers: { origin: 'https://admissions.example.edu', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it('lets any page read the answers and the Retry-After of a refusal, and nothing else of the portal', async () => {
    const origin = { origin: 'https://hr.example.com' };
    const res = await get(numberOf(0), codeOf(0), origin);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const upload = await post(documents.get(numberOf(0))!, EDOC, origin);
    expect(upload.headers.get('access-control-allow-origin')).toBe('*');
    for (const path of ['/api/openapi.json', '/api/certificate-data.schema.json']) {
      expect((await app.request(path, { headers: origin })).headers.get('access-control-allow-origin')).toBe('*');
    }
    const page = await app.request('/verify', { headers: origin });
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });
});

describe('the published descriptions', () => {
  it('describes the API in OpenAPI 3.1 at /api/openapi.json, with this portal as its server', async () => {
    const res = await app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, any>;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: PUBLIC_URL }]);
    expect(Object.keys(doc.paths['/api/verify'])).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/verify'].post.requestBody.content)).toEqual([EDOC, 'multipart/form-data']);
    expect(doc.paths['/api/verify'].get.responses['429'].headers['Retry-After']).toBeDefined();
  });

  it('serves the schema of certificate-data.json, and the data file in a sealed certificate follows it', async () => {
    const res = await app.request('/api/certificate-data.schema.json');
    expect(res.headers.get('content-type')).toBe('application/schema+json');
    const schema = (await res.json()) as Record<string, unknown>;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    for (const i of [0, 1]) {
      const data = dataOf(i);
      expect(validate(data), JSON.stringify(validate.errors)).toBe(true);
      expect(data.verification.address).toBe(`${PUBLIC_URL}/verify?number=${numberOf(i)}&code=${codeOf(i).replaceAll('-', '')}`);
    }
    // Not anything at all: a data file without its English texts, or with a code of the wrong shape, does not pass.
    const { text: _text, ...withoutText } = dataOf(0);
    expect(validate(withoutText)).toBe(false);
    expect(validate({ ...dataOf(0), verification: { ...dataOf(0).verification, code: 'IIII-IIII-IIII-IIII' } })).toBe(false);
  });
});
