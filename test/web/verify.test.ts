import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { loadCertificateFacts } from '../../src/data/certificate-facts.js';
import { sealCertificate } from '../../src/sealing/seal.js';
import { openSigner } from '../../src/sealing/signer-spec.js';
import { createLogger } from '../../src/log.js';
import { SealingPool } from '../../src/sealing/pool.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { createApp } from '../../src/web/app.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { sealedKumalSession } from '../support/sealed-session.js';

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
  const pool = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm: setup.longTerm, workers: 1, queue: 100 });
  const sealed = await sealedKumalSession(db, (f) => pool.seal(f));
  await pool.close();
  s = sealed.session;
  for (const [number, edoc] of sealed.documents) documents.set(number, edoc);
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
    expect(body).toContain('Īsts un derīgs</h1>');
    expect(body).toContain('Līga');
    expect(body).toContain('kultūrā un mākslā');
    expect(body).toContain('<dt>Kopvērtējums</dt><dd>88 %</dd>');
    expect(body).toContain('<dt>Reģistrā</dt><dd>spēkā</dd>');
  });

  it('says an annulled certificate is annulled, even though its seal is genuine', async () => {
    const body = await (await upload(documents.get(`2026/${s.candidateCodes[1]}-KUMAL`)!, 'en')).text();
    expect(body).toContain('Genuine but ANNULLED</h1>');
    expect(body).toContain('The certificate was annulled on');
    expect(body).toContain('Reason for the annulment: Darbs anulēts');
  });

  it('refuses a validly sealed file that is not the document the register sealed under its number', async () => {
    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    const facts = (
      await loadCertificateFacts(test.handle.db, [
        (await test.handle.db.selectFrom('certificates').select('id').where('number', '=', number).executeTakeFirstOrThrow()).id,
      ])
    )
      .values()
      .next().value!;
    const signer = await openSigner(setup.signer);
    const resealed = await sealCertificate({ ...facts, total: 99 }, { signer });
    await signer.close();
    const body = await (await upload(resealed.edoc, 'en')).text();
    expect(body).toContain('Not genuine</h1>');
    expect(body).toContain('This is not the document the register sealed under this number.');
    expect(body).not.toContain('99 %');
  });

  it('says why a tampered or malformed upload is not genuine', async () => {
    const genuine = documents.get(`2026/${s.candidateCodes[0]}-KUMAL`)!;
    const tampered = genuine.slice();
    const at = tampered.length - 200;
    tampered[at] = tampered[at]! ^ 0xff;
    const res = await upload(tampered, 'en');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Not genuine</h1>');

    const traversal = zipSync({ mimetype: [new TextEncoder().encode('application/vnd.etsi.asic-e+zip'), { level: 0 }], '../evil.txt': new Uint8Array([1]) });
    expect(await (await upload(traversal, 'en')).text()).toContain('unsafe name');
    const notZip = await upload(new TextEncoder().encode('not a zip'), 'en');
    expect(notZip.status).toBe(400);
    expect(await notZip.text()).toContain('This is not an .edoc file.');
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
    expect(found).toContain('Genuine and valid</h1>');
    expect(found).toContain('<dt>Total</dt><dd>88 %</dd>');
    const wrongCode = await (await lookup(number, s.personalCodes[1]!)).text();
    const unknown = await (await lookup(`2026/${s.candidateCodes[0]}-LAT09`, s.personalCodes[0]!)).text();
    expect(wrongCode).toContain('No certificate with this number and personal code was found.');
    // Alike but for the minute of the check.
    const bare = (text: string) => text.replace(/<p class="verify-checked">[^<]*<\/p>/, '');
    expect(bare(wrongCode)).toBe(bare(unknown));
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

  it('slows down guessing: after 20 lookups from one address the next is refused for a while', async () => {
    // The count lives in the database: start this visitor's window afresh.
    await test.handle.db.deleteFrom('rate_limit_counters').execute();
    const limited = createApp({ db: test.handle.db, log: createLogger('silent'), trust: setup.trust });
    // Numbers of their own, so that only the visitor's limit can refuse.
    const ask = (i: number) =>
      limited.request('/verify/number', {
        method: 'POST',
        body: new URLSearchParams({ number: unknownNumber(i), code: s.personalCodes[1]! }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    for (let i = 0; i < 20; i++) expect((await ask(i)).status).toBe(200);
    const refused = await ask(20);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(600);
  });
});

/** A well-formed number that no certificate has. */
const unknownNumber = (i: number) => `2026/${String(900_000_000_000 + i)}-KUMAL`;

describe('limits on number look-ups', () => {
  // Behind our proxy, as in production: X-Forwarded-For names the visitor.
  let proxied: ReturnType<typeof createApp>[];
  const ask = (via: number, visitor: string, number: string, code: string, lang = 'en') =>
    proxied[via % proxied.length]!.request(
      `/verify/number?lang=${lang}`,
      {
        method: 'POST',
        body: new URLSearchParams({ number, code }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': visitor },
      },
      { incoming: { socket: { remoteAddress: '10.0.0.5', remotePort: 40000, remoteFamily: 'IPv4' } } },
    );

  beforeAll(() => {
    // Two instances on one database: every count below is shared between them.
    proxied = [0, 1].map(() => createApp({ db: test.handle.db, log: createLogger('silent'), trust: setup.trust, trustedProxies: ['10.0.0.0/8'] }));
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

  /** Asks from each visitor in turn, a fresh number each time, until refused; the number of answers before. */
  async function answeredBeforeRefusal(visitors: string[], rounds: number): Promise<number> {
    for (let i = 0; i < visitors.length * rounds; i++) {
      const res = await ask(i, visitors[i % visitors.length]!, unknownNumber(i), s.personalCodes[1]!);
      if (res.status === 429) {
        expect(await res.text()).toContain('Too many checks from your address or network.');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        return i;
      }
      expect(res.status).toBe(200);
    }
    return visitors.length * rounds;
  }

  it('counts the /48 around the visitor: look-ups from 25 /64s of one /48 are refused after 60', async () => {
    // Each /64 in a /56 of its own, so that only the /48 holds them together; none reaches its own limit.
    const visitors = Array.from({ length: 25 }, (_, i) => `2001:db8:7:${(i << 8).toString(16)}::${i + 1}`);
    expect(await answeredBeforeRefusal(visitors, 4)).toBe(60);
    // A neighbouring /48 is not shut out.
    expect((await ask(0, '2001:db8:8::1', unknownNumber(500), s.personalCodes[1]!)).status).toBe(200);
  });

  it('counts the /56 around the visitor: look-ups from 25 /64s of one /56 are refused after 40', async () => {
    const visitors = Array.from({ length: 25 }, (_, i) => `2001:db8:9:${(0x4400 + i).toString(16)}::1`);
    expect(await answeredBeforeRefusal(visitors, 2)).toBe(40);
  });

  it('counts the IPv4 /24 around the visitor: look-ups from 25 addresses of one /24 are refused after 60', async () => {
    const visitors = Array.from({ length: 25 }, (_, i) => `198.51.100.${i + 1}`);
    expect(await answeredBeforeRefusal(visitors, 4)).toBe(60);
    // An IPv4-mapped IPv6 address of the same /24 is the same network.
    expect((await ask(1, '::ffff:198.51.100.200', unknownNumber(500), s.personalCodes[1]!)).status).toBe(429);
    expect((await ask(1, '198.51.101.1', unknownNumber(500), s.personalCodes[1]!)).status).toBe(200);
  });

  it('allows only five wrong guesses per number per hour, from anywhere, and then refuses even the right code', async () => {
    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    // Unrelated addresses, far apart, through both instances; one spells the number in lower case.
    const strangers = ['85.254.0.1', '2001:1bf8::1', '78.56.0.1', '2001:778::1', '90.190.0.1', '194.204.0.1', '2001:7d0::1'];
    for (let i = 0; i < 5; i++) {
      const res = await ask(i, strangers[i]!, i === 2 ? number.toLowerCase() : number, s.personalCodes[1]!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('No certificate with this number and personal code was found.');
    }
    const refused = await ask(5, strangers[5]!, number, s.personalCodes[1]!);
    expect(refused.status).toBe(429);
    const wrongBody = await refused.text();
    expect(wrongBody).toContain('Too many wrong personal codes have been tried with this certificate number.');
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    // The right code now gets the same refusal, so a refusal says nothing about the code tried.
    const right = await ask(6, strangers[6]!, number, s.personalCodes[0]!);
    expect(right.status).toBe(429);
    expect((await right.text()).replace(/value="[^"]*"/g, '')).toBe(wrongBody.replace(/value="[^"]*"/g, ''));
    // In Latvian too; and another number is not affected.
    expect(await (await ask(0, '85.254.0.2', number, s.personalCodes[0]!, 'lv')).text()).toContain('izmēģināts pārāk daudz nepareizu personas kodu');
    expect((await ask(0, '85.254.0.3', unknownNumber(1), s.personalCodes[0]!)).status).toBe(200);
  });

  it('never counts the right code against the number: the holder gets the genuine answer after others have guessed', async () => {
    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    // More right answers than the day allows wrong ones.
    for (let i = 0; i < 12; i++) {
      const res = await ask(i, `87.110.${i}.1`, number, s.personalCodes[0]!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Genuine and valid</h1>');
    }
    for (let i = 0; i < 4; i++) expect((await ask(i, `217.160.${i}.1`, number, s.personalCodes[1]!)).status).toBe(200);
    const holder = await (await ask(0, '87.110.99.1', number, s.personalCodes[0]!)).text();
    expect(holder).toContain('<dt>Total</dt><dd>88 %</dd>');
    expect(holder).toContain('Genuine and valid</h1>');
  });
});
