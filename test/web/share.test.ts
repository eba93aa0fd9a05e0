/**
 * Share links and the access history through the application, on SQLite and PostgreSQL: a student makes a link
 * for two certificates, a recipient opens it and downloads a sealed document that verifies, the view is counted
 * and audited, an annulment shows on the link, another student can neither see nor withdraw it, a withdrawn and
 * an expired link say so, a wrong token is a plain 404, and the token never reaches a log line. The history
 * shows a school's ZIP download and a verification look-up, naming the school and never a person. An adult
 * through the e-service, and a parent acting for their child, make links too.
 */
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { certificateArchive } from '../../src/data/certificate-archive.js';
import { importScores } from '../../src/data/scores.js';
import { shareLinksOf } from '../../src/data/share-links.js';
import { checkCertificateByNumber } from '../../src/data/verification.js';
import { formatPersonalCode } from '../../src/domain/personal-code.js';
import { createLogger } from '../../src/log.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import {
  AUDIENCE,
  ISSUER,
  MAX_TOKEN_SECONDS,
  seedEserviceRegister,
  signingKey,
  token,
  verifierFor,
  type EserviceRegister,
  type SigningKey,
} from '../eservice/fixture.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { schoolUser } from '../support/staff.js';
import { validPersonalCode } from '../support/register.js';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const SAME_ORIGIN = { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' };

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Test', csrfToken: 'csrf', provider: 'test' });
  await next();
};

let sealing: TestSealing;
beforeAll(async () => {
  sealing = await startTestSealing(1);
});
afterAll(async () => sealing?.close());

describe.each(DATABASE_KINDS)('share links on %s', (kind) => {
  let test: TestDatabase;
  let kumal: SeededSession;
  let lat09: SeededSession;
  let now = new Date('2026-07-10T10:00:00Z');
  let app: ReturnType<typeof createApp>;
  const logLines: string[] = [];
  let holderId: number;
  let otherId: number;
  let register: EserviceRegister;
  let key: SigningKey;
  const db = () => test.handle.db;
  const personOf = async (personalCode: string) =>
    (await db().selectFrom('persons').select('id').where('personal_code', '=', personalCode).executeTakeFirstOrThrow()).id;
  const idOf = async (number: string) => (await db().selectFrom('certificates').select('id').where('number', '=', number).executeTakeFirstOrThrow()).id;
  const kumalNumber = () => `2026/${kumal.candidateCodes[0]}-KUMAL`;
  const lat09Number = () => `2026/${lat09.candidateCodes[0]}-LAT09`;

  const get = (path: string, person?: number) => app.request(path, { headers: person ? { 'x-test-person': String(person) } : {} });
  const post = (path: string, form: URLSearchParams, headers: Record<string, string>) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form.toString() });
  const studentPost = (path: string, person: number, form: [string, string][]) =>
    post(path, new URLSearchParams([['_csrf', 'csrf'], ...form]), { 'x-test-person': String(person) });
  const tokenIn = (page: string) => /\/shared\?t=([A-Za-z0-9_-]{43})/.exec(page)?.[1];

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    kumal = await seedSession(db(), { examCode: 'KUMAL', candidates: 2 });
    // The same person sits LAT09 too: give the LAT09 candidate the KUMAL candidate's person.
    lat09 = await seedSession(db(), { examCode: 'LAT09', candidates: 1 });
    holderId = await personOf(kumal.personalCodes[0]!);
    otherId = await personOf(kumal.personalCodes[1]!);
    await db().updateTable('candidates').set({ person_id: holderId }).where('code', '=', lat09.candidateCodes[0]!).execute();
    const csv = (header: string, rows: string[]) => ({ bytes: new TextEncoder().encode([header, ...rows].join('\n')), name: 's.csv' });
    await importScores(
      db(),
      kumal.sessionId,
      csv('candidate_code,took_part,part_1,part_2', [`${kumal.candidateCodes[0]},yes,48,29`, `${kumal.candidateCodes[1]},yes,30,20`]),
      't',
    );
    await importScores(db(), lat09.sessionId, csv('candidate_code,took_part,part_1,part_2,part_3', [`${lat09.candidateCodes[0]},yes,28,21,19`]), 't');
    await issueCertificates(db(), kumal.sessionId, { actor: 't', issuedOn: '2026-06-30' });
    await issueCertificates(db(), lat09.sessionId, { actor: 't', issuedOn: '2026-06-17' });
    register = await seedEserviceRegister(db());
    key = await signingKey();
    app = createApp({
      db: db(),
      log: createLogger('debug', (line) => logLines.push(line)),
      publicUrl: PUBLIC_URL,
      student: { requireStudent: testSignIn, seal: (facts) => sealing.pool.seal(facts), clock: () => now },
      eservice: {
        verify: verifierFor(db(), key, () => now),
        origins: ['https://www.latvija.lv'],
        publicUrl: PUBLIC_URL,
        token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
        clock: () => now,
      },
    });
  });
  afterAll(async () => test?.close());

  let linkToken: string;
  let linkId: number;

  it('a student makes a link for two certificates for 7 days, shown once with its address', async () => {
    const form = await get('/results/share', holderId);
    expect(form.status).toBe(200);
    const text = await form.text();
    expect(text).toContain(kumalNumber());
    expect(text).toContain(lat09Number());
    const made = await studentPost('/results/share', holderId, [
      ['certificates', String(await idOf(kumalNumber()))],
      ['certificates', String(await idOf(lat09Number()))],
      ['recipient', 'Tartu Ülikooli vastuvõtt'],
      ['language', 'en'],
      ['days', '7'],
    ]);
    expect(made.status).toBe(200);
    expect(made.headers.get('cache-control')).toContain('no-store');
    const page = await made.text();
    linkToken = tokenIn(page)!;
    expect(linkToken).toHaveLength(43);
    expect(page).toContain(`${PUBLIC_URL}/shared?t=${linkToken}`);
    const links = await shareLinksOf(db(), holderId);
    expect(links).toHaveLength(1);
    linkId = links[0]!.id;
    expect(links[0]!.numbers.sort()).toEqual([kumalNumber(), lat09Number()].sort());
    expect(new Date(links[0]!.expiresAt).getTime() - now.getTime()).toBe(7 * 24 * 60 * 60_000);
    // Only the hash is stored.
    const stored = await db().selectFrom('share_links').selectAll().where('id', '=', linkId).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(linkToken);
    const created = await db().selectFrom('audit_log').selectAll().where('action', '=', 'share-link.create').execute();
    expect(created.map((e) => e.actor)).toEqual([`person:${holderId}`]);
  });

  it('refuses a form without its CSRF token, an empty choice and a certificate of someone else', async () => {
    const forged = await post(
      '/results/share',
      new URLSearchParams([
        ['recipient', 'x'],
        ['language', 'lv'],
        ['days', '7'],
      ]),
      { 'x-test-person': String(holderId) },
    );
    expect(forged.status).toBe(403);
    const empty = await studentPost('/results/share', holderId, [
      ['recipient', 'X'],
      ['language', 'lv'],
      ['days', '7'],
    ]);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Izvēlieties vismaz vienu sertifikātu');
    const othersCertificate = await idOf(`2026/${kumal.candidateCodes[1]}-KUMAL`);
    const foreign = await studentPost('/results/share', holderId, [
      ['certificates', String(othersCertificate)],
      ['recipient', 'X'],
      ['language', 'lv'],
      ['days', '400'],
    ]);
    expect(foreign.status).toBe(400);
    expect(await shareLinksOf(db(), holderId)).toHaveLength(1);
  });

  it('the recipient sees both certificates in the link language, the view is counted and audited, and downloads a genuine document', async () => {
    const page = await get(`/shared?t=${linkToken}`);
    expect(page.status).toBe(200);
    // The address carries the token: no other site is told it.
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('Tartu Ülikooli vastuvõtt');
    expect(html).toContain(kumalNumber());
    expect(html).toContain(lat09Number());
    expect(html).toContain('Valid: the register holds the certificate as valid');
    // The holder's personal code only masked, as on the verification page.
    expect(html).not.toContain(formatPersonalCode(kumal.personalCodes[0]!));
    const [link] = await shareLinksOf(db(), holderId);
    expect(link!.views).toBe(1);
    expect(link!.lastViewedAt).toBe(now.toISOString());
    const views = await db().selectFrom('audit_log').select(['subject', 'channel', 'actor']).where('action', '=', 'share-link.view').execute();
    expect(views.map((v) => v.subject).sort()).toEqual([`certificate:${kumalNumber()}`, `certificate:${lat09Number()}`].sort());
    expect(new Set(views.map((v) => v.channel))).toEqual(new Set(['share-link']));

    const href = /href="(\/shared\/download\?[^"]+)"/.exec(html)![1]!.replace(/&amp;/g, '&');
    const download = await get(href);
    expect(download.status).toBe(200);
    const report = await verifyEdoc(new Uint8Array(await download.arrayBuffer()), sealing.setup.trust);
    expect(report.genuine).toBe(true);
    expect([kumalNumber(), lat09Number()]).toContain(report.facts?.number);
    const downloads = await db()
      .selectFrom('audit_log')
      .select(['actor', 'channel'])
      .where('action', '=', 'certificate.download')
      .where('channel', '=', 'share-link')
      .execute();
    expect(downloads).toEqual([{ actor: `share-link:${linkId}`, channel: 'share-link' }]);
  });

  it('a preview shows the holder what the recipient sees without counting a view', async () => {
    const preview = await get(`/results/share/${linkId}/preview`, holderId);
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain('Tartu Ülikooli vastuvõtt');
    expect((await shareLinksOf(db(), holderId))[0]!.views).toBe(1);
  });

  it('another student can neither see nor withdraw the link (404), and a wrong token is a plain 404', async () => {
    expect((await get(`/results/share/${linkId}/preview`, otherId)).status).toBe(404);
    expect((await studentPost(`/results/share/${linkId}/revoke`, otherId, [])).status).toBe(404);
    expect(await (await get('/results/share', otherId)).text()).not.toContain('Tartu Ülikooli vastuvõtt');
    expect((await shareLinksOf(db(), holderId))[0]!.revokedAt).toBeNull();
    const wrong = await get(`/shared?t=${'A'.repeat(43)}`);
    expect(wrong.status).toBe(404);
    expect(await wrong.text()).not.toContain('withdrawn');
    expect((await get('/shared')).status).toBe(404);
  });

  it('an annulled certificate shows as annulled on the link, with its reason, and is no longer offered', async () => {
    await annulCertificate(db(), lat09Number(), 'Darbs anulēts', { actor: 't', now });
    const html = await (await get(`/shared?t=${linkToken}`)).text();
    expect(html).toContain('Annulled: the certificate is no longer valid');
    expect(html).toContain('Darbs anulēts');
    expect(html).not.toContain(`n=${encodeURIComponent(lat09Number())}`);
    expect((await get(`/shared/download?t=${linkToken}&n=${encodeURIComponent(lat09Number())}`)).status).toBe(404);
  });

  it('an expired link says it expired', async () => {
    const saved = now;
    now = new Date(saved.getTime() + 8 * 24 * 60 * 60_000);
    try {
      const expired = await get(`/shared?t=${linkToken}`);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('This link has expired');
    } finally {
      now = saved;
    }
  });

  it('the holder withdraws the link and the recipient is told it was withdrawn', async () => {
    const revoked = await studentPost(`/results/share/${linkId}/revoke`, holderId, []);
    expect(revoked.status).toBe(200);
    const holderPage = await revoked.text();
    expect(holderPage).toContain('Tartu Ülikooli vastuvõtt');
    // The holder is told how long a withdrawn link stays listed (housekeeping deletes it then).
    expect(holderPage).toContain('redzamas vēl 90 dienas, pēc tam tās tiek dzēstas');
    const page = await get(`/shared?t=${linkToken}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link was withdrawn by its holder');
    expect((await get(`/shared/download?t=${linkToken}&n=${encodeURIComponent(kumalNumber())}`)).status).toBe(410);
  });

  it('never writes a token to the log', () => {
    const requests = logLines.filter((l) => l.includes('"/shared'));
    expect(requests.length).toBeGreaterThan(3);
    for (const line of logLines) expect(line).not.toContain(linkToken);
  });

  it("the history shows the school's ZIP download by the school's name and a verification look-up, never a person", async () => {
    const staff = await schoolUser(db(), kumal.institutionId, validPersonalCode(640_123));
    const entries = certificateArchive(db(), {
      sessionId: kumal.sessionId,
      institutionId: kumal.institutionId,
      actor: `user:${staff}`,
      seal: (facts) => sealing.pool.seal(facts),
      note: () => ({ name: 'note.txt', text: '' }),
      index: () => ({ name: 'index.csv', text: '' }),
    });
    for await (const entry of entries) void entry;
    await checkCertificateByNumber(db(), kumalNumber(), { personalCode: kumal.personalCodes[0]! }, { actor: 'public', channel: 'verify' }, now);
    const history = await get('/results/history', holderId);
    expect(history.status).toBe(200);
    const html = await history.text();
    const institution = await db().selectFrom('institutions').select('name').where('id', '=', kumal.institutionId).executeTakeFirstOrThrow();
    expect(html).toContain(institution.name);
    expect(html).toContain('ZIP');
    expect(html).toContain('pārbaudīja sertifikātu pēc numura un jūsu personas koda');
    expect(html).toContain('Saites saņēmējs “Tartu Ülikooli vastuvõtt”');
    expect(html).not.toContain(`user:${staff}`);
    // The other candidate's ZIP entry is not the holder's business.
    expect(html).not.toContain(`2026/${kumal.candidateCodes[1]}-KUMAL`);
    expect(await (await get('/results/history', otherId)).text()).not.toContain('Tartu');
  });

  it('an adult makes a link in the e-service, and a parent one for their child, shown to the child as "your representative"', async () => {
    const embed = async (personalCode: string, represented?: string) => {
      const res = await app.request(`/eservice/certificates?token=${await token(key, { personalCode, now, ...(represented ? { represented } : {}) })}`);
      return /s=([\w-]{43})/.exec(res.headers.get('location')!)![1]!;
    };
    const s = await embed(register.holder.personalCode);
    const list = await (await get(`/eservice/certificates?s=${s}`)).text();
    expect(list).toContain(`/eservice/share?s=${s}`);
    const form = await get(`/eservice/share?s=${s}&lang=lv`);
    expect(form.status).toBe(200);
    const formHtml = await form.text();
    // The e-service shows every year; the annulled one is not offered.
    expect(formHtml).toContain(register.numbers.lat09Of2022);
    expect(formHtml).not.toContain(register.numbers.mat09Of2022Annulled);
    const made = await post(
      '/eservice/share',
      new URLSearchParams([
        ['s', s],
        ['certificates', 'year:2022'],
        ['recipient', 'Darba devējs SIA'],
        ['language', 'lv'],
        ['days', '30'],
      ]),
      SAME_ORIGIN,
    );
    expect(made.status).toBe(200);
    const adultToken = tokenIn(await made.text())!;
    const shared = await (await get(`/shared?t=${adultToken}`)).text();
    expect(shared).toContain(register.numbers.lat09Of2022);
    expect(shared).not.toContain(register.numbers.kumalOf2025);
    // A form from another site is refused.
    const foreign = await post(
      '/eservice/share',
      new URLSearchParams([
        ['s', s],
        ['certificates', 'year:2025'],
        ['recipient', 'X'],
        ['language', 'lv'],
        ['days', '1'],
      ]),
      {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    );
    expect(foreign.status).toBe(403);

    const parent = await embed(register.parentCode, register.child.personalCode);
    const childForm = await post(
      '/eservice/share',
      new URLSearchParams([
        ['s', parent],
        ['certificates', 'year:2025'],
        ['recipient', 'Ģimnāzija'],
        ['language', 'lv'],
        ['days', '1'],
      ]),
      SAME_ORIGIN,
    );
    expect(childForm.status).toBe(200);
    const created = await db()
      .selectFrom('audit_log')
      .select(['actor', 'actor_personal_code'])
      .where('action', '=', 'share-link.create')
      .where('subject', '=', `person:${register.child.personId}`)
      .executeTakeFirstOrThrow();
    expect(created.actor_personal_code).toBe(register.parentCode);
    expect(created.actor).not.toContain(register.parentCode);
    const child = await embed(register.child.personalCode);
    const history = await (await get(`/eservice/history?s=${child}&lang=lv`)).text();
    expect(history).toContain('Jūsu pārstāvis');
    expect(history).not.toContain(register.parentCode);
    expect(history).not.toContain(formatPersonalCode(register.parentCode));
  });
});
