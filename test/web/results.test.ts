import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDocumentVersion } from '../../src/data/certificate-documents.js';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { createLogger } from '../../src/log.js';
import { SealingPool } from '../../src/sealing/pool.js';
import type { SealingSetup } from '../../src/sealing/setup.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { withCertificateValues } from '../support/edoc.js';
import { seedSession, type SeededSession } from '../support/register.js';

// Sign-in is tested on its own; here a header names the signed-in person.
const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Test', csrfToken: 'x', provider: 'test' });
  await next();
};

let sealing: TestSealing;
let setup: SealingSetup;
let pool: SealingPool;

beforeAll(async () => {
  sealing = await startTestSealing(1);
  ({ setup, pool } = sealing);
});

afterAll(async () => sealing.close());

describe.each(DATABASE_KINDS)('student results and downloads on %s', (kind) => {
  let test: TestDatabase;
  let kumal: SeededSession;
  let lat09: SeededSession;
  let now = new Date('2026-07-10T10:00:00Z');
  let app: ReturnType<typeof createApp>;
  const personOf = async (personalCode: string) =>
    (await test.handle.db.selectFrom('persons').select('id').where('personal_code', '=', personalCode).executeTakeFirstOrThrow()).id;
  const get = async (path: string, person: number, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { 'x-test-person': String(person), ...headers } });

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const db = test.handle.db;
    // Secondary (released 3 July 2026 09:00) and basic (released 26 June) of school year 2025/26.
    kumal = await seedSession(db, { examCode: 'KUMAL', candidates: 3 });
    lat09 = await seedSession(db, { examCode: 'LAT09', candidates: 3, exempted: [2] });
    const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });
    await importScores(
      db,
      kumal.sessionId,
      csv('candidate_code,took_part,part_1,part_2', [
        `${kumal.candidateCodes[0]},yes,48,29`,
        `${kumal.candidateCodes[1]},yes,10,10`,
        `${kumal.candidateCodes[2]},no,,`,
      ]),
      't',
    );
    await importScores(
      db,
      lat09.sessionId,
      csv('candidate_code,took_part,part_1,part_2,part_3', [`${lat09.candidateCodes[0]},yes,28,21,19`, `${lat09.candidateCodes[1]},yes,1,1,1`]),
      't',
    );
    await issueCertificates(db, kumal.sessionId, { actor: 't', issuedOn: '2026-06-30' });
    await issueCertificates(db, lat09.sessionId, { actor: 't', issuedOn: '2026-06-17' });
    await annulCertificate(db, `2026/${kumal.candidateCodes[1]}-KUMAL`, 'Kļūda', { actor: 't' });
    app = createApp({
      db,
      log: createLogger('silent'),
      student: { requireStudent: testSignIn, seal: (facts) => pool.seal(facts), clock: () => now },
    });
  });
  afterAll(async () => test.close());

  it('shows the result with part names, certificate number and a download link once released', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    const res = await get('/results', await personOf(kumal.personalCodes[0]!));
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h1>Kārtoto pārbaudījumu rezultāti</h1>');
    expect(page).toContain('Vispārējā vidējā izglītība');
    expect(page).toContain('<h3>Centralizētais eksāmens kultūrā un mākslā (augstākais līmenis)</h3>');
    expect(page).toContain('Mācību gads 2025./2026.');
    expect(page).toContain('88&nbsp;%');
    expect(page).toContain('Zināšanas, izpratne un prasmes');
    expect(page).toContain(`2026/<wbr>${kumal.candidateCodes[0]}<wbr>-KUMAL</span>, izsniegts 30.06.2026`);
    expect(page).toContain(`href="/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc"`);
    expect(page).toContain('tikai pēdējo 6 mēnešu rezultāti');
    expect(page).toContain('<details><summary>Rezultāti pa daļām</summary>');
    const en = await (await get('/results?lang=en', await personOf(kumal.personalCodes[0]!))).text();
    expect(en).toContain('Centralised exam in culture and arts (higher level)</h3>');
    expect(en).toContain('School year 2025/2026');
    expect(en).toContain('Knowledge, understanding and skills');
  });

  it('shows nothing of a result before its release moment, on any route', async () => {
    now = new Date('2026-07-03T05:59:59Z'); // 08:59:59 in Riga
    const person = await personOf(kumal.personalCodes[0]!);
    const page = await (await get('/results', person)).text();
    expect(page).toContain('Rezultāti būs pieejami 03.07.2026 09:00');
    expect(page).not.toContain('88&nbsp;%');
    expect(page).not.toContain(kumal.candidateCodes[0]);
    expect((await get(`/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc`, person)).status).toBe(404);
    // The basic exam of the same person's schoolmate is out since 26 June.
    expect(await (await get('/results', await personOf(lat09.personalCodes[0]!))).text()).toContain('68&nbsp;%');
    now = new Date('2026-07-03T06:00:00Z');
    expect(await (await get('/results', person)).text()).toContain('88&nbsp;%');
  });

  it('serves the sealed certificate only to its holder, with type, name, ETag and caching, and logs it', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    const holder = await personOf(kumal.personalCodes[0]!);
    const path = `/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc`;
    const res = await get(path, holder);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.etsi.asic-e+zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="sertifikats-2026-${kumal.candidateCodes[0]}-KUMAL.edoc"`);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    const etag = res.headers.get('etag')!;
    const bytes = new Uint8Array(await res.arrayBuffer());
    const report = await verifyEdoc(bytes, setup.trust);
    expect(report.genuine).toBe(true);
    expect(report.facts?.number).toBe(`2026/${kumal.candidateCodes[0]}-KUMAL`);
    expect(etag).toBe(`"${report.sha256}"`);
    expect((await get(path, holder, { 'if-none-match': etag })).status).toBe(304);
    const audits = await test.handle.db.selectFrom('audit_log').select(['actor', 'subject']).where('action', '=', 'certificate.download').execute();
    expect(audits).toContainEqual({ actor: `person:${holder}`, subject: `certificate:2026/${kumal.candidateCodes[0]}-KUMAL` });
  });

  it('serves the newest version once an upgrade is stored, and a browser holding the older one gets it anew', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    const db = test.handle.db;
    const holder = await personOf(kumal.personalCodes[0]!);
    const number = `2026/${kumal.candidateCodes[0]}-KUMAL`;
    const path = `/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc`;
    const before = await get(path, holder);
    const oldTag = before.headers.get('etag')!;
    const { id } = await db.selectFrom('certificates').select('id').where('number', '=', number).executeTakeFirstOrThrow();
    const upgraded = withCertificateValues(new Uint8Array(await before.arrayBuffer()));
    const { sha256 } = await addDocumentVersion(db, id, upgraded, 'long-term-data', { actor: 't', channel: 'cli' });

    const after = await get(path, holder, { 'if-none-match': oldTag });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toBe(`"${sha256}"`);
    expect(Buffer.from(await after.arrayBuffer()).equals(Buffer.from(upgraded))).toBe(true);
  });

  it('answers 404 for another student’s, an annulled, an unknown and a malformed certificate alike', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    const other = await personOf(kumal.personalCodes[2]!);
    const notFound = async (path: string, person: number) => {
      const res = await get(path, person);
      expect(res.status).toBe(404);
      // The page body, without the language switch (which links back to the path asked for).
      return (await res.text()).replace(/<header[\s\S]*<\/header>/, '');
    };
    const foreign = await notFound(`/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc`, other);
    const unknown = await notFound(`/certificates/2026%2F999999999999-KUMAL.edoc`, other);
    expect(foreign).toBe(unknown);
    await notFound(`/certificates/2026%2F${kumal.candidateCodes[1]}-KUMAL.edoc`, await personOf(kumal.personalCodes[1]!));
    await notFound('/certificates/nonsense.edoc', other);
    await notFound(`/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.zip`, await personOf(kumal.personalCodes[0]!));
  });

  it('gives each of several students asking at the same moment only their own certificate', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    const [first, second] = [await personOf(lat09.personalCodes[0]!), await personOf(lat09.personalCodes[1]!)];
    const pathOf = (i: number) => `/certificates/2026%2F${lat09.candidateCodes[i]}-LAT09.edoc`;
    // Asked together, so the look-ups are read in one batch: each holder's own, and each the other's.
    const asked: [string, number][] = [
      [pathOf(0), first],
      [pathOf(1), second],
      [pathOf(1), first],
      [pathOf(0), second],
      [pathOf(0), first],
    ];
    const answers = await Promise.all(asked.map(([path, person]) => get(path, person)));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 404, 404, 200]);
    const numbers = await Promise.all(
      answers.filter((res) => res.ok).map(async (res) => (await verifyEdoc(new Uint8Array(await res.arrayBuffer()), setup.trust)).facts?.number),
    );
    expect(numbers).toEqual([`2026/${lat09.candidateCodes[0]}-LAT09`, `2026/${lat09.candidateCodes[1]}-LAT09`, `2026/${lat09.candidateCodes[0]}-LAT09`]);
  });

  it('shows annulled certificates, absence and exemption as what they are', async () => {
    now = new Date('2026-07-10T10:00:00Z');
    expect(await (await get('/results', await personOf(kumal.personalCodes[1]!))).text()).toMatch(/anulēts/);
    expect(await (await get('/results', await personOf(kumal.personalCodes[2]!))).text()).toContain('Jūs šajā eksāmenā nepiedalījāties');
    expect(await (await get('/results?lang=en', await personOf(lat09.personalCodes[2]!))).text()).toContain('You have been exempted from this exam.');
  });

  it('keeps only the last six months', async () => {
    now = new Date('2027-01-03T07:00:01Z'); // six months after 3 July 09:00
    const page = await (await get('/results', await personOf(kumal.personalCodes[0]!))).text();
    expect(page).not.toContain('kultūrā un mākslā');
    expect(page).toContain('nav reģistrētu eksāmenu rezultātu');
    expect((await get(`/certificates/2026%2F${kumal.candidateCodes[0]}-KUMAL.edoc`, await personOf(kumal.personalCodes[0]!))).status).toBe(404);
  });

  it('sends visitors who are not signed in to sign in', async () => {
    const res = await app.request('/results');
    expect(res.status).toBe(302);
  });
});
