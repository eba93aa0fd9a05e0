import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { importScores } from '../../src/data/scores.js';
import { loadCertificateFacts } from '../../src/data/certificate-facts.js';
import { sealCertificate } from '../../src/sealing/seal.js';
import { openSigner } from '../../src/sealing/signer-spec.js';
import { createLogger } from '../../src/log.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { createApp } from '../../src/web/app.js';
import { limiterKey } from '../../src/web/routes/verify.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';

let dataDir: string;
let setup: SealingSetup;
let test: TestDatabase;
let s: SeededSession;
let app: ReturnType<typeof createApp>;
const documents = new Map<string, Uint8Array>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'verify-web-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 100 } });
  test = await openTestDatabase('sqlite');
  const db = test.handle.db;
  s = await seedSession(db, { examCode: 'KUMAL', candidates: 2 });
  const csv = `candidate_code,took_part,part_1,part_2\n${s.candidateCodes[0]},yes,48,29\n${s.candidateCodes[1]},yes,20,10\n`;
  await importScores(db, s.sessionId, { bytes: new TextEncoder().encode(csv), name: 'x.csv' }, 't');
  await issueCertificates(db, s.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  const pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, workers: 1, queue: 100 });
  await sealPendingCertificates(db, (f) => pool.seal(f), { actor: 't' });
  await pool.close();
  for (const row of await db.selectFrom('certificate_documents').innerJoin('certificates', 'certificates.id', 'certificate_id').select(['number', 'edoc']).execute()) {
    documents.set(row.number, new Uint8Array(row.edoc));
  }
  await annulCertificate(db, `2026/${s.candidateCodes[1]}-KUMAL`, 'Darbs anulēts', { actor: 't' });
  app = createApp({ db, log: createLogger('silent'), trust: setup.trust });
});

afterAll(async () => {
  await setup.close();
  await test.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function upload(bytes: Uint8Array, lang = 'lv') {
  const form = new FormData();
  form.append('edoc', new Blob([bytes]), 'sertifikats.edoc');
  return app.request(`/verify?lang=${lang}`, { method: 'POST', body: form });
}

function lookup(number: string, code: string, lang = 'en', headers: Record<string, string> = {}) {
  return app.request(`/verify/number?lang=${lang}`, {
    method: 'POST',
    body: new URLSearchParams({ number, code }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

describe('the public verification page', () => {
  it('offers both ways to check, with labelled fields, in Latvian and English', async () => {
    const lv = await (await app.request('/verify')).text();
    expect(lv).toContain('<h1>Sertifikāta pārbaude</h1>');
    expect(lv).toContain('enctype="multipart/form-data"');
    expect(lv).toMatch(/<label for="edoc">/);
    expect(lv).toMatch(/<label for="code">/);
    expect(await (await app.request('/verify?lang=en')).text()).toContain('<h1>Check a certificate</h1>');
  });

  it('says an uploaded genuine certificate is genuine, whose it is and its result', async () => {
    const res = await upload(documents.get(`2026/${s.candidateCodes[0]}-KUMAL`)!);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('Dokuments ir īsts');
    expect(body).toContain('Līga');
    expect(body).toContain('kultūrā un mākslā');
    expect(body).toContain('kopvērtējums 88 %');
    expect(body).toContain('Reģistrā sertifikāts ir spēkā.');
  });

  it('says an annulled certificate is annulled, even though its seal is genuine', async () => {
    const body = await (await upload(documents.get(`2026/${s.candidateCodes[1]}-KUMAL`)!, 'en')).text();
    expect(body).toContain('The document is genuine');
    expect(body).toContain('WARNING: the certificate was annulled');
    expect(body).toContain('Darbs anulēts');
  });

  it('refuses a validly sealed file that is not the document the register sealed under its number', async () => {
    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    const facts = (await loadCertificateFacts(test.handle.db, [(await test.handle.db.selectFrom('certificates').select('id').where('number', '=', number).executeTakeFirstOrThrow()).id])).values().next().value!;
    const signer = await openSigner(setup.signer);
    const resealed = await sealCertificate({ ...facts, total: 99 }, { signer });
    await signer.close();
    const body = await (await upload(resealed.edoc, 'en')).text();
    expect(body).toContain('can NOT be confirmed as genuine');
    expect(body).toContain('This is not the document the register sealed under this number.');
    expect(body).not.toContain('total 99');
  });

  it('says why a tampered or malformed upload is not genuine', async () => {
    const genuine = documents.get(`2026/${s.candidateCodes[0]}-KUMAL`)!;
    const tampered = genuine.slice();
    const at = tampered.length - 200;
    tampered[at] = tampered[at]! ^ 0xff;
    const res = await upload(tampered, 'en');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('can NOT be confirmed as genuine');

    const traversal = zipSync({ mimetype: [new TextEncoder().encode('application/vnd.etsi.asic-e+zip'), { level: 0 }], '../evil.txt': new Uint8Array([1]) });
    expect(await (await upload(traversal, 'en')).text()).toContain('unsafe name');
    expect(await (await upload(new TextEncoder().encode('not a zip'), 'en')).text()).toContain('not an .edoc (ASiC-E) container');
  });

  it('refuses an upload over the size limit with a 413 page, and a form without a file with 400', async () => {
    const res = await upload(new Uint8Array(6 * 1024 * 1024));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Datne ir par lielu');
    const empty = await app.request('/verify', { method: 'POST', body: new FormData() });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Izvēlieties .edoc datni.');
  });

  it('checks a number with the holder’s personal code, and answers a wrong code exactly like an unknown number', async () => {
    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    const found = await (await lookup(number, s.personalCodes[0]!)).text();
    expect(found).toContain('total 88 %');
    expect(found).toContain('The register holds the certificate as valid.');
    const wrongCode = await (await lookup(number, s.personalCodes[1]!)).text();
    const unknown = await (await lookup(`2026/${s.candidateCodes[0]}-LAT09`, s.personalCodes[0]!)).text();
    expect(wrongCode).toContain('No certificate with this number and personal code was found.');
    expect(wrongCode.replace(/value="[^"]*"/g, '')).toBe(unknown.replace(/value="[^"]*"/g, ''));
  });

  it('knows nothing of a result before its release moment', async () => {
    const future = await seedSession(test.handle.db, { examCode: 'KUMAL', candidates: 1, year: 2030 });
    const csv = `candidate_code,took_part,part_1,part_2\n${future.candidateCodes[0]},yes,48,29\n`;
    await importScores(test.handle.db, future.sessionId, { bytes: new TextEncoder().encode(csv), name: 'x.csv' }, 't');
    await issueCertificates(test.handle.db, future.sessionId, { actor: 't', issuedOn: '2031-06-30' });
    const body = await (await lookup(`2031/${future.candidateCodes[0]}-KUMAL`, future.personalCodes[0]!)).text();
    expect(body).toContain('No certificate with this number and personal code was found.');
    expect(body).not.toContain('88 %');
  });

  it('explains a malformed number or personal code in the visitor’s language', async () => {
    const res = await lookup('2026-abc', '161175-19998', 'lv');
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain('Numuram jābūt formā');
    expect(body).toContain('kontrolcipars nesakrīt');
  });

  it('counts a whole IPv6 /64 as one visitor', () => {
    expect(limiterKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(limiterKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(limiterKey('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(limiterKey('2001:db8:1:3::1')).not.toBe(limiterKey('2001:db8:1:2::1'));
    expect(limiterKey('::1')).toBe('0:0:0:0::/64');
    expect(limiterKey('192.0.2.7')).toBe('192.0.2.7');
    expect(limiterKey(undefined)).toBe('unknown');
  });

  it('slows down guessing: after 20 lookups from one address the next is refused for a while', async () => {
    // The count lives in the database: start this visitor's window afresh.
    await test.handle.db.deleteFrom('rate_limit_counters').execute();
    const limited = createApp({ db: test.handle.db, log: createLogger('silent'), trust: setup.trust });
    const ask = () => limited.request('/verify/number', { method: 'POST', body: new URLSearchParams({ number: `2026/${s.candidateCodes[0]}-KUMAL`, code: s.personalCodes[1]! }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    for (let i = 0; i < 20; i++) expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('600');
  });
});
