/**
 * The paper request form of the e-service, on every database: what was typed survives the end of the 15-minute
 * session (kept as a draft for the same person only, and never written to the log), the pick-up facts come from
 * the settings, the address is asked for only for post, a wrong postcode is an error linked from the summary,
 * every request gets a unique reference shown to the person and to agency staff, and a representative sees a
 * banner naming the person they act for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcLogin } from '../../src/auth/oidc.js';
import type { PaperCopyConfig } from '../../src/config.js';
import { ENDED_SESSION_KEPT_MS, EMBED_SESSION_MS } from '../../src/data/eservice.js';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/data/report-jobs.js';
import { newPaperReference, PAPER_REFERENCE, paperDraftsOf } from '../../src/data/paper-requests.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';
import { agencyUser } from '../support/staff.js';
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
} from './fixture.js';

const PUBLIC_URL = 'http://127.0.0.1:3000';
const SAME_ORIGIN = { origin: PUBLIC_URL, 'sec-fetch-site': 'same-origin' };
const PAPER: PaperCopyConfig = {
  pickupAddress: 'Testa iela 7, Cēsis, LV-4101',
  pickupHours: { lv: 'otrdienās 10.00–14.00', en: 'Tuesdays 10:00–14:00' },
  priceCents: 450,
  deliveryWorkingDays: 21,
  draftHours: 24,
};

describe('paper references', () => {
  it('are P- and two groups of four characters that are not misread, and do not repeat', () => {
    const drawn = new Set(Array.from({ length: 2000 }, () => newPaperReference()));
    expect(drawn.size).toBe(2000);
    for (const reference of drawn) expect(reference).toMatch(PAPER_REFERENCE);
    expect([...drawn].join('')).not.toMatch(/[ILOU]/);
  });
});

describe.each(DATABASE_KINDS)('the paper request form on %s', (kind) => {
  let test: TestDatabase;
  let register: EserviceRegister;
  let key: SigningKey;
  let now = new Date('2026-09-01T10:00:00Z');
  let app: ReturnType<typeof createApp>;
  let agencyCookie: string;
  const logLines: string[] = [];
  const db = () => test.handle.db;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    register = await seedEserviceRegister(db());
    key = await signingKey();
    const sessions = new WebSessionStore(db(), { idleMinutes: 30, touchDelayMs: 0 });
    app = createApp({
      db: db(),
      log: createLogger('debug', (line) => logLines.push(line)),
      auth: { sessions, oidc: new OidcLogin({ publicUrl: PUBLIC_URL, providers: {} }), environment: 'test', publicUrl: PUBLIC_URL },
      staff: { reports: { settings: DEFAULT_QUEUE_SETTINGS }, clock: () => now },
      eservice: {
        verify: verifierFor(db(), key, () => now),
        origins: ['https://www.latvija.lv'],
        publicUrl: PUBLIC_URL,
        token: { issuer: ISSUER, audience: AUDIENCE, maxTokenSeconds: MAX_TOKEN_SECONDS },
        clock: () => now,
        paper: PAPER,
      },
    });
    const userId = await agencyUser(db(), validPersonalCode(651_001));
    agencyCookie = `sid=${(await sessions.create({ kind: 'staff', userId, provider: 'test', displayName: 'Agency' })).token}`;
  });
  afterAll(async () => test?.close());

  const embedSession = async (personalCode: string, represented?: string) => {
    const res = await app.request(`/eservice/certificates?token=${await token(key, { personalCode, now, ...(represented ? { represented } : {}) })}`);
    return /s=([\w-]{43})/.exec(res.headers.get('location')!)![1]!;
  };
  const paperPath = (number: string) => `/eservice/paper/${encodeURIComponent(number)}`;
  const post = (path: string, form: Record<string, string>) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...SAME_ORIGIN },
      body: new URLSearchParams(form).toString(),
    });
  const typed = {
    delivery: 'post',
    recipient: 'Anna Kalniņa',
    line1: 'Lāčplēša iela 77-3',
    line2: 'Sētas māja',
    city: 'Rīga',
    postcode: 'LV-1011',
    country: 'Latvija',
  };
  const fieldValue = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];

  it('keeps what was typed when the session has ended, for the same person only, and never logs it', async () => {
    now = new Date('2026-09-01T10:00:00Z');
    const number = register.numbers.lat09Of2022;
    const s = await embedSession(register.holder.personalCode);
    const form = await (await app.request(`${paperPath(number)}?s=${s}&lang=lv`)).text();
    // Without script, the form states when the session ends and what becomes of the typing.
    expect(form).toContain('Šī sesija beidzas 01.09.2026 13:15');
    expect(form).toContain('ierakstīto saglabāsim');
    expect(form).toContain(`data-ends-at="${new Date(now.getTime() + EMBED_SESSION_MS).toISOString()}"`);

    // 16 minutes later the person presses "Continue".
    now = new Date(now.getTime() + 16 * 60_000);
    logLines.length = 0;
    const late = await post(`${paperPath(number)}?lang=lv`, { s, ...typed, step: 'review' });
    expect(late.status).toBe(401);
    const latePage = await late.text();
    expect(latePage).toContain('Sesija ir beigusies; ierakstītais ir saglabāts');
    expect(latePage).toContain('saglabāts līdz 02.09.2026 13:16');
    expect(latePage).toContain('https://latvija.gov.lv/Services/45822');
    for (const text of [typed.line1, typed.line2, register.holder.personalCode]) expect(logLines.join('\n')).not.toContain(text);

    // Another person (a parent acting for the holder) does not get it back.
    const parent = await embedSession(register.parentCode, register.holder.personalCode);
    const parentForm = await (await app.request(`${paperPath(number)}?s=${parent}&lang=lv`)).text();
    expect(parentForm).not.toContain(typed.line1);
    expect(fieldValue(parentForm, 'line1')).toBe('');
    expect(await (await app.request(`/eservice/certificates?s=${parent}&lang=lv`)).text()).not.toContain('Turpināt papīra kopijas pieprasījumu');
    const holderDrafts = await paperDraftsOf(db(), { personId: register.holder.personId, actorCode: register.holder.personalCode }, now);
    expect([...holderDrafts.values()].map((d) => d.form.line1)).toEqual([typed.line1]);
    expect((await paperDraftsOf(db(), { personId: register.holder.personId, actorCode: register.parentCode }, now)).size).toBe(0);

    // The holder comes back from Latvija.lv: the list offers to continue, and the form is filled in.
    const again = await embedSession(register.holder.personalCode);
    const list = await (await app.request(`/eservice/certificates?s=${again}&lang=lv`)).text();
    expect(list).toContain('Turpināt papīra kopijas pieprasījumu');
    expect(list).toContain('Nepabeigts papīra kopijas pieprasījums, saglabāts 01.09.2026 13:16');
    const restored = await (await app.request(`${paperPath(number)}?s=${again}&lang=lv`)).text();
    expect(restored).toContain('Veidlapa ir aizpildīta ar to, ko ierakstījāt 01.09.2026 13:16');
    for (const name of ['recipient', 'line1', 'line2', 'city', 'postcode', 'country'] as const) expect(fieldValue(restored, name)).toBe(typed[name]);

    // Filed: the draft is gone.
    expect((await post(paperPath(number), { s: again, ...typed, step: 'confirm' })).status).toBe(303);
    expect((await paperDraftsOf(db(), { personId: register.holder.personId, actorCode: register.holder.personalCode }, now)).size).toBe(0);
  });

  it('keeps nothing for a session that ended long ago, or for a certificate that is not the person’s', async () => {
    now = new Date('2026-09-03T10:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    now = new Date(now.getTime() + EMBED_SESSION_MS + ENDED_SESSION_KEPT_MS + 60_000);
    const late = await post(paperPath(register.numbers.kumalOf2025), { s, ...typed, step: 'review' });
    expect(late.status).toBe(401);
    expect(await late.text()).toContain('Sesija ir beigusies');
    const other = await embedSession(register.other.personalCode);
    now = new Date(now.getTime() + 16 * 60_000);
    expect((await post(paperPath(register.numbers.kumalOf2025), { s: other, ...typed, step: 'review' })).status).toBe(401);
    const drafts = await db()
      .selectFrom('paper_request_drafts')
      .select('certificate_id')
      .where('person_id', 'in', [register.holder.personId, register.other.personId])
      .execute();
    expect(drafts).toEqual([]);
  });

  it('states the price, delivery time, pick-up address and hours from the settings, in both languages', async () => {
    now = new Date('2026-09-04T10:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    const lv = await (await app.request(`${paperPath(register.numbers.kumalOf2025)}?s=${s}&lang=lv`)).text();
    expect(lv).toContain('<dt>Cena</dt><dd>4,50&nbsp;€</dd>'.replace('&nbsp;', '\u00a0'));
    expect(lv).toContain('21 darba dienas laikā');
    expect(lv).toContain('Testa iela 7, Cēsis, LV-4101');
    expect(lv).toContain('otrdienās 10.00–14.00');
    const en = await (await app.request(`${paperPath(register.numbers.kumalOf2025)}?s=${s}&lang=en`)).text();
    expect(en).toContain('<dt>Price</dt><dd>€4.50</dd>');
    expect(en).toContain('within 21 working days');
    expect(en).toContain('Tuesdays 10:00–14:00');
    // The postcode's format is said before anything is typed.
    expect(lv).toContain('<p class="hint" id="postcode-hint">Latvijā formā LV-1234, piemēram, LV-1050.');
    expect(lv).toMatch(/id="postcode"[^>]*aria-describedby="postcode-hint"/);
  });

  it('asks for the address only for post, and links a wrong postcode from the error summary', async () => {
    now = new Date('2026-09-05T10:00:00Z');
    const s = await embedSession(register.holder.personalCode);
    const path = `${paperPath(register.numbers.kumalOf2025)}?lang=lv`;
    const pickup = await post(path, { s, delivery: 'pickup', recipient: '', line1: '', city: '', postcode: '', country: '', step: 'review' });
    expect(pickup.status).toBe(200);
    expect(await pickup.text()).toContain('Pārbaudiet un apstipriniet pieprasījumu');

    const empty = await post(path, { s, delivery: 'post', recipient: '', line1: '', city: '', postcode: '', country: 'Latvija', step: 'review' });
    expect(empty.status).toBe(400);
    const emptyPage = await empty.text();
    for (const name of ['recipient', 'line1', 'city', 'postcode']) expect(emptyPage).toContain(`<a href="#${name}">`);
    expect(emptyPage).not.toContain('<a href="#line2">');

    const wrong = await post(path, { s, ...typed, postcode: '10111', step: 'review' });
    expect(wrong.status).toBe(400);
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain('<title>Kļūda: ');
    expect(wrongPage).toContain('<a href="#postcode">Pasta indekss: Ierakstiet pasta indeksu formā LV-1234, piemēram, LV-1050');
    expect(wrongPage).toMatch(/id="postcode"[^>]*aria-describedby="postcode-hint postcode-error"[^>]*aria-invalid="true"/);
    expect(fieldValue(wrongPage, 'postcode')).toBe('10111');
    expect(fieldValue(wrongPage, 'line1')).toBe(typed.line1);
  });

  it('confirms with a unique reference, shown to the person, in the list and to agency staff', async () => {
    now = new Date('2026-09-06T10:00:00Z');
    const references: string[] = [];
    for (const [code, represented, number] of [
      [register.holder.personalCode, undefined, register.numbers.kumalOf2025],
      [register.other.personalCode, undefined, register.numbers.otherKumal],
    ] as const) {
      const s = await embedSession(code, represented);
      const done = await post(`${paperPath(number)}?lang=en`, { s, delivery: 'pickup', step: 'confirm' });
      expect(done.status).toBe(303);
      const confirmation = await (await app.request(done.headers.get('location')!)).text();
      expect(confirmation).toContain('<h1>Request received</h1>');
      expect(confirmation).toContain('Tuesdays 10:00–14:00');
      const reference = /<strong class="reference">([^<]+)<\/strong>/.exec(confirmation)![1]!;
      expect(reference).toMatch(PAPER_REFERENCE);
      expect(await (await app.request(`/eservice/certificates?s=${s}&lang=en`)).text()).toContain(`(reference <span class="reference">${reference}</span>)`);
      references.push(reference);
    }
    expect(new Set(references).size).toBe(2);
    const stored = await db().selectFrom('paper_requests').select('reference').where('reference', 'in', references).execute();
    expect(stored).toHaveLength(2);
    const staff = await (await app.request('/staff/paper-requests?status=all', { headers: { cookie: agencyCookie } })).text();
    for (const reference of references) expect(staff).toContain(`<td class="code nowrap reference">${reference}</td>`);
  });

  it('shows a representative a banner naming the represented person on every step', async () => {
    now = new Date('2026-09-07T10:00:00Z');
    const s = await embedSession(register.parentCode, register.child.personalCode);
    const name = `${register.child.firstName} ${register.child.lastName}`;
    const banner = `Pārstāvamā persona: <strong class="represented-name">${name}</strong>`;
    const path = paperPath(register.numbers.childLat09);
    expect(await (await app.request(`/eservice/certificates?s=${s}&lang=lv`)).text()).toContain(banner);
    expect(await (await app.request(`${path}?s=${s}&lang=lv`)).text()).toContain(banner);
    expect(await (await post(`${path}?lang=lv`, { s, delivery: 'pickup', step: 'review' })).text()).toContain(banner);
    const done = await post(`${path}?lang=lv`, { s, delivery: 'pickup', step: 'confirm' });
    expect(await (await app.request(done.headers.get('location')!)).text()).toContain(banner);
    const en = await (await app.request(`/eservice/certificates?s=${s}&lang=en`)).text();
    expect(en).toContain(`Represented person: <strong class="represented-name">${name}</strong>`);
    // The holder's own pages carry no banner.
    const own = await embedSession(register.holder.personalCode);
    expect(await (await app.request(`/eservice/certificates?s=${own}&lang=lv`)).text()).not.toContain('Pārstāvamā persona');
  });
});
