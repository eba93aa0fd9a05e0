/**
 * The Latvija.lv e-service's way in, through HTTP on every database: a valid token shows exactly that person's
 * certificates of all school years (as a page and as JSON); expired, wrongly signed, wrong-audience, wrong-issuer,
 * too long-lived and replayed tokens are refused with 401 and nothing of the data; the framing policy names only
 * the configured origins; downloads work through short-lived single-person links and are audited, for a
 * representative with whom they acted for; nothing appears before its release moment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulCertificate } from '../../src/data/certificates.js';
import { maskPersonalCode } from '../../src/domain/personal-code.js';
import { createLogger } from '../../src/log.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { createApp } from '../../src/web/app.js';
import { eserviceOpenApi } from '../../src/eservice/openapi.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import {
  AUDIENCE,
  ISSUER,
  MAX_TOKEN_SECONDS,
  rawToken,
  seedEserviceRegister,
  signingKey,
  token,
  verifierFor,
  type EserviceRegister,
  type SigningKey,
} from './fixture.js';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const FRAMER = 'https://www.latvija.lv';

let sealing: TestSealing;
beforeAll(async () => {
  sealing = await startTestSealing(1);
});
afterAll(async () => sealing?.close());

describe.each(DATABASE_KINDS)('the e-service list on %s', (kind) => {
  let test: TestDatabase;
  let register: EserviceRegister;
  let key: SigningKey;
  let stranger: SigningKey;
  let now = new Date('2026-09-01T10:00:00Z');
  let app: ReturnType<typeof createApp>;
  const logLines: string[] = [];
  const db = () => test.handle.db;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    register = await seedEserviceRegister(db());
    key = await signingKey();
    // Another key under the same key id: a token it signs must fail the signature check itself.
    stranger = await signingKey(key.publicJwk.kid);
    app = createApp({
      db: db(),
      log: createLogger('debug', (line) => logLines.push(line)),
      eservice: {
        verify: verifierFor(db(), key, () => now),
        origins: [FRAMER],
        publicUrl: PUBLIC_URL,
        token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
        seal: (facts) => sealing.pool.seal(facts),
        clock: () => now,
      },
    });
  });
  afterAll(async () => test?.close());

  const holderToken = (extra: Partial<Parameters<typeof token>[1]> = {}) => token(key, { personalCode: register.holder.personalCode, now, ...extra });
  /** Opens the embed with a token as a frame would, following the redirect into the embed session. */
  const openEmbed = async (jwt: string, lang?: string) => {
    const first = await app.request(`/eservice/certificates?token=${jwt}${lang ? `&lang=${lang}` : ''}`);
    expect(first.status).toBe(303);
    const location = first.headers.get('location')!;
    expect(location).toMatch(/^\/eservice\/certificates\?s=[\w-]{43}&lang=(lv|en)$/);
    expect(location).not.toContain(register.holder.personalCode);
    const page = await app.request(location);
    return { location, page, html: await page.text() };
  };
  const json = async (jwt: string) => app.request('/eservice/certificates', { headers: { authorization: `Bearer ${jwt}`, accept: 'application/json' } });
  const allNumbers = () => Object.values(register.numbers);
  const expectNoData = (body: string) => {
    for (const number of allNumbers()) expect(body).not.toContain(number);
    for (const p of [register.holder, register.other, register.child]) expect(body).not.toContain(p.lastName);
  };

  it('shows a valid token’s person exactly their certificates of all school years, annulled ones as annulled', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const { html, page } = await openEmbed(await holderToken());
    expect(page.status).toBe(200);
    expect(html).toContain('<h1>Valsts pārbaudījumu sistēmā reģistrētie dokumenti</h1>');
    expect(html).toContain(`Dokumenti: ${register.holder.firstName} ${register.holder.lastName}`);
    // 2022/23 (older than the student portal's six months) and 2025/26 alike.
    expect(html).toContain(register.numbers.lat09Of2022);
    expect(html).toContain('Eksāmens latviešu valodā 9. klasei 2022./2023. m.g.');
    expect(html).toContain('17.06.2023');
    expect(html).toContain('68&nbsp;%');
    expect(html).toContain(register.numbers.kumalOf2025);
    expect(html).toContain('Centralizētais eksāmens kultūrā un mākslā (augstākais līmenis) 2025./2026. m.g.');
    expect(html).toContain('augstākais');
    expect(html).toContain('88&nbsp;%');
    expect(html).toContain(register.numbers.mat09Of2022Annulled);
    expect(html).toContain('Anulēts 01.08.2023');
    expect(html.match(/<li class="certificate">/g)).toHaveLength(3);
    // Two valid certificates: two downloads and two paper buttons; none for the annulled one.
    expect(html.match(/href="\/eservice\/download\?link=[\w-]{43}" download/g)).toHaveLength(2);
    expect(html.match(/Pieprasīt papīra formā/g)).toHaveLength(2);
    expect(html).not.toContain(register.numbers.otherKumal);
    expect(html).not.toContain(register.numbers.childLat09);
    expect(html).not.toContain(register.holder.personalCode);
    // Chrome-less: no site header, footer or sign-in.
    expect(html).not.toContain('<header');
    expect(html).not.toContain('<footer');
    const en = await openEmbed(await holderToken(), 'en');
    expect(en.html).toContain('<h1>Documents registered in the state examination system</h1>');
    expect(en.html).toContain('Exam in Latvian for 9th grade 2022/2023');
    expect(en.html).toContain('Download e-document');
    expect(en.html).toContain('Request on paper');
    // The language switch keeps the embed session.
    expect(en.html).toMatch(/<a href="\/eservice\/certificates\?s=[\w-]{43}&amp;lang=lv" hreflang="lv"/);
  });

  it('answers the same data as JSON with Accept: application/json', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const res = await json(await holderToken());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { holder: unknown; representative: boolean; certificates: Record<string, unknown>[] };
    expect(body.holder).toEqual({ firstName: register.holder.firstName, lastName: register.holder.lastName });
    expect(body.representative).toBe(false);
    expect(body.certificates.map((c) => c.number).sort()).toEqual(
      [register.numbers.lat09Of2022, register.numbers.mat09Of2022Annulled, register.numbers.kumalOf2025].sort(),
    );
    const kumal = body.certificates.find((c) => c.number === register.numbers.kumalOf2025)!;
    expect(kumal).toMatchObject({
      issuedOn: '2026-06-30',
      examCode: 'KUMAL',
      education: 'secondary',
      level: 'higher',
      schoolYear: '2025/2026',
      total: 88,
      state: 'issued',
      paperRequest: null,
    });
    expect(kumal.downloadUrl).toMatch(new RegExp(`^${PUBLIC_URL}/eservice/download\\?link=[\\w-]{43}$`));
    const annulled = body.certificates.find((c) => c.number === register.numbers.mat09Of2022Annulled)!;
    expect(annulled).toMatchObject({ state: 'annulled', annulledOn: '2023-08-01', downloadUrl: null });
    // The JSON link downloads the sealed file without any session.
    const file = await app.request(new URL(kumal.downloadUrl as string).pathname + new URL(kumal.downloadUrl as string).search);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/vnd.etsi.asic-e+zip');
  });

  it('shows nothing of a certificate before its results’ release moment', async () => {
    now = new Date('2026-07-03T05:59:00Z'); // 08:59 in Riga; secondary results open at 09:00
    await db().deleteFrom('eservice_links').execute();
    const { html } = await openEmbed(await holderToken());
    expect(html).toContain(register.numbers.lat09Of2022);
    expect(html).not.toContain(register.numbers.kumalOf2025);
    expect(html).not.toContain('kultūrā un mākslā');
    expect(html).not.toContain('88&nbsp;%');
    const body = (await (await json(await holderToken())).json()) as { certificates: { number: string }[] };
    expect(body.certificates.map((c) => c.number)).not.toContain(register.numbers.kumalOf2025);
    // Not even a download link is made for it.
    const linked = await db()
      .selectFrom('eservice_links')
      .innerJoin('certificates', 'certificates.id', 'eservice_links.certificate_id')
      .select('certificates.number')
      .execute();
    expect(linked.map((l) => l.number)).toContain(register.numbers.lat09Of2022);
    expect(linked.map((l) => l.number)).not.toContain(register.numbers.kumalOf2025);
    now = new Date('2026-07-03T06:00:00Z');
    expect((await openEmbed(await holderToken())).html).toContain(register.numbers.kumalOf2025);
  });

  describe('refuses with 401 and no data', () => {
    const refusedBoth = async (jwt: () => Promise<string>) => {
      const page = await app.request(`/eservice/certificates?token=${await jwt()}`);
      expect(page.status).toBe(401);
      expect(page.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const html = await page.text();
      expectNoData(html);
      expect(html).toContain('Piekļuve liegta');
      const api = await json(await jwt());
      expect(api.status).toBe(401);
      const text = await api.text();
      expect(JSON.parse(text)).toEqual({ error: 'invalid_token' });
      expectNoData(text);
    };

    it('an expired token', async () => {
      now = new Date('2026-09-01T10:00:00Z');
      await refusedBoth(() => token(key, { personalCode: register.holder.personalCode, now: new Date(now.getTime() - 200_000), lifetimeSeconds: 120 }));
    });

    it('a wrongly signed token (another key under the e-service’s key id)', async () => {
      await refusedBoth(() => token(stranger, { personalCode: register.holder.personalCode, now }));
    });

    it('a token signed by an unknown key', async () => {
      const unknown = await signingKey();
      await refusedBoth(() => token(unknown, { personalCode: register.holder.personalCode, now }));
    });

    it('a token for another audience, or from another issuer', async () => {
      await refusedBoth(() => token(key, { personalCode: register.holder.personalCode, now, audience: 'https://another.portal.example' }));
      await refusedBoth(() => token(key, { personalCode: register.holder.personalCode, now, issuer: 'https://evil.example' }));
    });

    it('a replayed token, on the page and in the API alike', async () => {
      const jwt = await holderToken();
      expect((await app.request(`/eservice/certificates?token=${jwt}`)).status).toBe(303);
      const again = await app.request(`/eservice/certificates?token=${jwt}`);
      expect(again.status).toBe(401);
      expectNoData(await again.text());
      const apiToken = await holderToken();
      expect((await json(apiToken)).status).toBe(200);
      const replayed = await json(apiToken);
      expect(replayed.status).toBe(401);
      expectNoData(await replayed.text());
    });

    it('a token living longer than allowed, issued in the future, without jti or personal code, or unsigned', async () => {
      await refusedBoth(() => token(key, { personalCode: register.holder.personalCode, now, lifetimeSeconds: MAX_TOKEN_SECONDS + 60 }));
      await refusedBoth(() => token(key, { personalCode: register.holder.personalCode, now: new Date(now.getTime() + 600_000) }));
      const iat = Math.floor(now.getTime() / 1000);
      const base = { iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 60 };
      await refusedBoth(() => rawToken(key, { ...base, personal_code: register.holder.personalCode }));
      await refusedBoth(() => rawToken(key, { ...base, jti: crypto.randomUUID() }));
      await refusedBoth(() => rawToken(key, { ...base, jti: crypto.randomUUID(), personal_code: '123' }));
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...base, jti: 'x', personal_code: register.holder.personalCode })).toString('base64url')}.`;
      const res = await app.request(`/eservice/certificates?token=${unsigned}`);
      expect(res.status).toBe(401);
      expectNoData(await res.text());
    });

    it('no token, a spent embed session, or a session past its 15 minutes', async () => {
      now = new Date('2026-09-01T10:00:00Z');
      const missing = await app.request('/eservice/certificates');
      expect(missing.status).toBe(401);
      expect((await app.request('/eservice/certificates?s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
      const { location } = await openEmbed(await holderToken());
      expect((await app.request(location)).status).toBe(200);
      now = new Date(now.getTime() + 15 * 60_000 + 1000);
      const late = await app.request(location);
      expect(late.status).toBe(401);
      const html = await late.text();
      expect(html).toContain('Sesija ir beigusies');
      expectNoData(html);
    });
  });

  it('lets only the configured e-service origins frame the embed, and keeps every other page unframeable', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const first = await app.request(`/eservice/certificates?token=${await holderToken()}`);
    const page = await app.request(first.headers.get('location')!);
    for (const res of [first, page, await app.request('/eservice/certificates')]) {
      expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${FRAMER}`);
      expect(res.headers.get('content-security-policy')).not.toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBeNull();
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    const home = await app.request('/');
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(home.headers.get('x-frame-options')).toBe('DENY');
  });

  it('lets the e-service frame only the list and its in-frame steps, not any other address under /eservice/', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const { location, html } = await openEmbed(await holderToken());
    const s = new URL(location, PUBLIC_URL).searchParams.get('s')!;
    const download = /href="(\/eservice\/download\?link=[\w-]{43})"/.exec(html)![1]!;
    const paper = `/eservice/paper/${encodeURIComponent(register.numbers.kumalOf2025)}?s=${s}`;
    const framedAnswers = [
      await app.request(location),
      await app.request(paper),
      await app.request(paper.replace(encodeURIComponent(register.numbers.kumalOf2025), 'no-such-number')),
      await app.request(download),
    ];
    expect(framedAnswers.map((res) => res.status)).toEqual([200, 200, 404, 200]);
    for (const res of framedAnswers) {
      expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${FRAMER}`);
      expect(res.headers.get('x-frame-options')).toBeNull();
    }
    const unframed = [
      await app.request('/eservice/no-such-page'),
      await app.request('/eservice/'),
      await app.request('/eservice/certificates/extra'),
      await app.request('/eservice/certificates', { method: 'DELETE' }),
      await app.request('/eservice/download', { method: 'POST' }),
      await app.request('/api/eservice/openapi.json'),
    ];
    for (const res of unframed) {
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).not.toContain(FRAMER);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(unframed.slice(0, 5).map((res) => res.status)).toEqual([404, 404, 404, 404, 404]);
  });

  it('downloads the sealed certificate through a short-lived single-person link, audited with the channel', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const { html } = await openEmbed(await holderToken());
    const links = [...html.matchAll(/href="(\/eservice\/download\?link=[\w-]{43})" download>[^<]*<span class="visually-hidden"> ([^<]+)<\/span>/g)].map(
      (m) => ({ href: m[1]!, number: m[2]! }),
    );
    const kumal = links.find((l) => l.number === register.numbers.kumalOf2025)!;
    const res = await app.request(kumal.href);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="sertifikats-${register.numbers.kumalOf2025.replace('/', '-')}.edoc"`);
    const report = await verifyEdoc(new Uint8Array(await res.arrayBuffer()), sealing.setup.trust);
    expect(report.genuine).toBe(true);
    expect(report.facts?.number).toBe(register.numbers.kumalOf2025);
    expect(report.facts?.total).toBe(88);
    const audits = await db()
      .selectFrom('audit_log')
      .select(['actor', 'channel', 'subject', 'details'])
      .where('action', '=', 'certificate.download')
      .where('subject', '=', `certificate:${register.numbers.kumalOf2025}`)
      .execute();
    expect(audits).toContainEqual({
      actor: `person:${register.holder.personId}`,
      channel: 'eservice',
      subject: `certificate:${register.numbers.kumalOf2025}`,
      details: JSON.stringify({ representative: false }),
    });

    // Unknown and malformed links, a link past its time, and a certificate annulled since: the same 404.
    expect((await app.request('/eservice/download?link=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await app.request('/eservice/download?link=../../etc')).status).toBe(404);
    const lat09 = links.find((l) => l.number === register.numbers.lat09Of2022)!;
    now = new Date(now.getTime() + 16 * 60_000);
    expect((await app.request(lat09.href)).status).toBe(404);
  });

  it('answers 304 Not Modified to a download the browser already holds, as the student download does', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const { html } = await openEmbed(await holderToken());
    const href = /href="(\/eservice\/download\?link=[\w-]{43})"/.exec(html)![1]!;
    const first = await app.request(href);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await app.request(href, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(await again.text()).toBe('');
    expect((await app.request(href, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('lets a representative see and download the represented person’s certificates, auditing who acted for whom', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const jwt = await token(key, { personalCode: register.parentCode, represented: register.child.personalCode, now });
    const { html } = await openEmbed(jwt);
    // A banner naming the represented person after a label, in the nominative: no declension to get wrong.
    expect(html).toContain('Jūs darbojaties citas personas vārdā');
    expect(html).toContain(`Pārstāvamā persona: <strong class="represented-name">${register.child.firstName} ${register.child.lastName}</strong>`);
    expect(html).toContain(register.numbers.childLat09);
    expect(html).toContain('100&nbsp;%');
    expect(html).not.toContain(register.numbers.kumalOf2025);
    const href = /href="(\/eservice\/download\?link=[\w-]{43})"/.exec(html)![1]!;
    expect((await app.request(href)).status).toBe(200);
    const audit = await db()
      .selectFrom('audit_log')
      .select(['actor', 'actor_personal_code', 'channel', 'details'])
      .where('action', '=', 'certificate.download')
      .where('subject', '=', `certificate:${register.numbers.childLat09}`)
      .executeTakeFirstOrThrow();
    // The representative's code in full only in its own column (for telling the child who acted), masked in `actor`.
    expect(audit).toEqual({
      actor: `representative:${maskPersonalCode(register.parentCode)}`,
      actor_personal_code: register.parentCode,
      channel: 'eservice',
      details: JSON.stringify({ representative: true, onBehalfOf: `person:${register.child.personId}` }),
    });
    expect(audit.actor).not.toContain(register.parentCode.slice(6));
    // The parent, unknown to the register, has no list of their own.
    const own = await app.request(`/eservice/certificates?token=${await token(key, { personalCode: register.parentCode, now })}`);
    expect(own.status).toBe(200);
    const ownHtml = await own.text();
    expect(ownHtml).toContain('šai personai nav reģistrētu sertifikātu');
    expectNoData(ownHtml);
    // Neither person's code reaches the logs, in any form.
    expect(logLines.length).toBeGreaterThan(0);
    for (const code of [register.parentCode, register.child.personalCode]) {
      for (const written of [code, `${code.slice(0, 6)}-${code.slice(6)}`]) expect(logLines.join('\n')).not.toContain(written);
    }
  });

  it('stops serving a link whose certificate was annulled after the list was shown', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const body = (await (await json(await token(key, { personalCode: register.other.personalCode, now }))).json()) as {
      certificates: { number: string; downloadUrl: string }[];
    };
    const url = new URL(body.certificates[0]!.downloadUrl);
    await annulCertificate(db(), register.numbers.otherKumal, 'Pārbaude', { actor: 'test' });
    expect((await app.request(url.pathname + url.search)).status).toBe(404);
  });

  it('takes the token as a posted form field too, keeping it out of every address, and records who opened whose list', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const jwt = await token(key, { personalCode: register.parentCode, represented: register.child.personalCode, now });
    const res = await app.request('/eservice/certificates?lang=en', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://www.latvija.lv' },
      body: new URLSearchParams({ token: jwt }).toString(),
    });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/eservice\/certificates\?s=[\w-]{43}&lang=en$/);
    expect(await (await app.request(location)).text()).toContain(register.numbers.childLat09);
    const replay = await app.request('/eservice/certificates', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: jwt }).toString(),
    });
    expect(replay.status).toBe(401);
    const opened = await db()
      .selectFrom('audit_log')
      .select(['actor', 'channel', 'subject', 'details'])
      .where('action', '=', 'certificates.list')
      .where('subject', '=', `person:${register.child.personId}`)
      .execute();
    expect(opened).toContainEqual({
      actor: `representative:${maskPersonalCode(register.parentCode)}`,
      channel: 'eservice',
      subject: `person:${register.child.personId}`,
      details: JSON.stringify({ representative: true, onBehalfOf: `person:${register.child.personId}`, json: false }),
    });
  });

  it('describes itself in an OpenAPI 3.1 document', async () => {
    const res = await app.request('/api/eservice/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as ReturnType<typeof eserviceOpenApi> & {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: { TokenClaims: { required: string[] } } };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(['/eservice/certificates', '/eservice/download']);
    expect(Object.keys(doc.paths['/eservice/certificates'] as object)).toEqual(['get', 'post']);
    expect(doc.components.schemas.TokenClaims.required).toEqual(['iss', 'aud', 'exp', 'iat', 'jti', 'personal_code']);
    expect(JSON.stringify(doc)).toContain('represented_personal_code');
    expect(JSON.stringify(doc)).toContain(FRAMER);
  });
});
