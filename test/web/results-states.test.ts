/**
 * Every state of the student results page says what it means and what to do next, with the contact, in Latvian
 * and English: exempted (with the holder's grammatical gender), international certificate, absent (and the
 * additional term), took part partly, work annulled and certificate annulled (date and reason from the register),
 * results pending (one message, its moment from the register); the appeal link; the "View PDF" copy for its
 * holder only, audited.
 */
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulWork, WorkAnnulmentError } from '../../src/data/work-annulment.js';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import type { SeededSession } from '../support/register.js';
import { RESULT_STATES_NOW, seedResultStates, type ResultStatePeople, type ResultStatePerson } from '../support/result-states.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';

const testSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  const person = c.req.header('x-test-person');
  if (!person) return c.redirect('/login', 302);
  c.set('signedIn', { kind: 'student', personId: Number(person), userId: null, displayName: 'Test', csrfToken: 'x', provider: 'test' });
  await next();
};

const NOW = RESULT_STATES_NOW;

let sealing: TestSealing;
beforeAll(async () => {
  sealing = await startTestSealing(1);
});
afterAll(async () => sealing.close());

describe.each(DATABASE_KINDS)('the results page explains each state on %s', (kind) => {
  let test: TestDatabase;
  let kumal: SeededSession;
  let ids: ResultStatePeople;
  let app: ReturnType<typeof createApp>;
  const page = async (who: ResultStatePerson, lang: 'lv' | 'en') =>
    (await app.request(`/results?lang=${lang}`, { headers: { 'x-test-person': String(ids.get(who)) } })).text();
  /** The page's text between the exam's heading and the next exam: what one exam's entry says. */
  const entry = (html: string, heading: RegExp) => {
    const start = html.search(heading);
    expect(start, `no exam ${heading}`).toBeGreaterThan(-1);
    const end = html.indexOf('\n</li>', start);
    return html.slice(start, end);
  };

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    const db = test.handle.db;
    ({ kumal, ids } = await seedResultStates(db));

    app = createApp({
      db,
      log: createLogger('silent'),
      student: { requireStudent: testSignIn, seal: (facts) => sealing.pool.seal(facts), clock: () => NOW },
    });
  });
  afterAll(async () => test.close());

  const contact = (html: string) => {
    expect(html).toContain(`<a href="mailto:${DEVELOPMENT_CONTACT.email}">`);
    expect(html).toContain(`<a href="tel:+37167000000">${DEVELOPMENT_CONTACT.phone}</a>`);
  };

  it('exempted: the Latvian text agrees with the holder’s gender both ways, English says the same to both', async () => {
    const female = entry(await page('exempted-female', 'lv'), /<h3>Eksāmens latviešu valodā 9. klasei/);
    expect(female).toContain('Jūs esat atbrīvota no šī eksāmena.');
    expect(female).toContain('sertifikāts par to netiek izsniegts');
    contact(female);
    const male = entry(await page('exempted-male', 'lv'), /<h3>Eksāmens latviešu valodā 9. klasei/);
    expect(male).toContain('Jūs esat atbrīvots no šī eksāmena.');
    expect(male).not.toContain('atbrīvota');
    for (const who of ['exempted-female', 'exempted-male'] as const) {
      const en = entry(await page(who, 'en'), /<h3>Exam in Latvian for 9th grade/);
      expect(en).toContain('You have been exempted from this exam.');
      expect(en).toContain('no certificate is issued for it');
      contact(en);
    }
  });

  it('exempted with the gender unknown: a wording that needs none', async () => {
    await test.handle.db.updateTable('persons').set({ gender: null }).where('id', '=', ids.get('exempted-male')!).execute();
    try {
      const text = entry(await page('exempted-male', 'lv'), /<h3>Eksāmens latviešu valodā 9. klasei/);
      expect(text).toContain('Jums ir piešķirts atbrīvojums no šī eksāmena.');
      expect(text).not.toMatch(/atbrīvot[sa] /);
    } finally {
      await test.handle.db.updateTable('persons').set({ gender: 'male' }).where('id', '=', ids.get('exempted-male')!).execute();
    }
  });

  it('international certificate instead of the exam', async () => {
    const lv = entry(await page('international', 'lv'), /<h3>Centralizētais eksāmens angļu valodā/);
    expect(lv).toContain('Šo eksāmenu jums aizstāj starptautisks valodas sertifikāts: IELTS Academic C1.');
    expect(lv).toContain('uzrādiet savu starptautisko sertifikātu');
    contact(lv);
    const en = entry(await page('international', 'en'), /<h3>Centralised exam in English/);
    expect(en).toContain('An international language certificate replaces this exam for you: IELTS Academic C1.');
    contact(en);
  });

  it('absent: no result, the additional term with its dates from the register, and applying next year', async () => {
    const lv = entry(await page('absent', 'lv'), /<h3>Centralizētais eksāmens kultūrā un mākslā/);
    expect(lv).toContain('Jūs šajā eksāmenā nepiedalījāties');
    expect(lv).toContain('to var kārtot papildtermiņā');
    const additional = await test.handle.db
      .selectFrom('exam_sessions')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .where('exams.code', '=', 'KUMAL')
      .where('exams.school_year', '=', 2025)
      .where('exam_sessions.term', '=', 'additional')
      .select('exam_sessions.starts_on')
      .executeTakeFirstOrThrow();
    const [y, m, d] = additional.starts_on.split('-');
    expect(lv).toContain(`Šī eksāmena papildtermiņš: ${d}.${m}.${y}`);
    expect(lv).toContain('līdz attiecīgā mācību gada 15. decembrim');
    contact(lv);
    const en = entry(await page('absent', 'en'), /<h3>Centralised exam in culture and arts/);
    expect(en).toContain('You did not take part in this exam');
    expect(en).toContain('additional term');
    expect(en).toContain(`The additional term of this exam: ${d}.${m}.${y}.`);
    contact(en);
  });

  it('took part partly: the total with what it means', async () => {
    const lv = entry(await page('partly', 'lv'), /<h3>Centralizētais eksāmens kultūrā un mākslā/);
    expect(lv).toContain('45&nbsp;%'); // 40 of 87 points
    expect(lv).toContain('Jūs piedalījāties tikai daļā eksāmena.');
    contact(lv);
    const en = entry(await page('partly', 'en'), /<h3>Centralised exam in culture and arts/);
    expect(en).toContain('You took part in only some parts of the exam.');
    contact(en);
  });

  it('work annulled: the date and the reason the register holds, and no result', async () => {
    const lv = entry(await page('work-annulled', 'lv'), /<h3>Centralizētais eksāmens kultūrā un mākslā/);
    expect(lv).toContain('Jūsu eksāmena darbs ir anulēts');
    expect(lv).toContain('Anulēts 20.06.2026.');
    expect(lv).toContain('Iemesls: <q>Eksāmenā izmantoti neatļauti palīglīdzekļi</q>');
    expect(lv).not.toContain('class="total"');
    contact(lv);
    const en = entry(await page('work-annulled', 'en'), /<h3>Centralised exam in culture and arts/);
    expect(en).toContain('Your exam work has been annulled');
    expect(en).toContain('Annulled on 20.06.2026.');
    expect(en).toContain('Reason: <q>Eksāmenā izmantoti neatļauti palīglīdzekļi</q>');
    contact(en);
  });

  it('a work with a certificate, or already annulled, is not annulled again', async () => {
    await expect(annulWork(test.handle.db, kumal.sessionId, kumal.candidateCodes[0]!, 'x', { actor: 't' })).rejects.toThrow(WorkAnnulmentError);
    await expect(annulWork(test.handle.db, kumal.sessionId, kumal.candidateCodes[3]!, 'x', { actor: 't' })).rejects.toThrow(WorkAnnulmentError);
    const audits = await test.handle.db.selectFrom('audit_log').select('subject').where('action', '=', 'sitting.annul-work').execute();
    expect(audits).toEqual([{ subject: `session:${kumal.sessionId}:candidate:${kumal.candidateCodes[3]}` }]);
  });

  it('certificate annulled: number, date and reason, no download', async () => {
    const number = `2026/${kumal.candidateCodes[4]}-KUMAL`;
    const lv = entry(await page('certificate-annulled', 'lv'), /<h3>Centralizētais eksāmens kultūrā un mākslā/);
    expect(lv).toContain('Šis sertifikāts ir anulēts un vairs nav derīgs:');
    expect(lv).toContain(`2026/<wbr>${kumal.candidateCodes[4]}<wbr>-KUMAL`);
    expect(lv).toContain('Anulēts 08.07.2026.');
    expect(lv).toContain('Iemesls: <q>Kļūda vērtējumā</q>');
    expect(lv).not.toContain(encodeURIComponent(number));
    contact(lv);
    const en = entry(await page('certificate-annulled', 'en'), /<h3>Centralised exam in culture and arts/);
    expect(en).toContain('This certificate has been annulled and is no longer valid:');
    expect(en).toContain('Annulled on 08.07.2026.');
    contact(en);
  });

  it('results pending: one message for all exams still to come, at the moment the register holds', async () => {
    const lv = await page('result', 'lv');
    expect(lv.match(/Rezultāti būs pieejami/g)).toHaveLength(1);
    expect(lv).toContain('Rezultāti būs pieejami 02.07.2027 11:30 (Latvijas laikā):');
    expect(lv).toContain('<li>Centralizētais eksāmens latviešu valodā (optimālais līmenis) (Mācību gads 2026./2027.)</li>');
    expect(lv).toContain('<li>Centralizētais eksāmens matemātikā (optimālais līmenis) (Mācību gads 2026./2027.)</li>');
    // Results first, then what is to come, then the six-month notice.
    expect(lv.indexOf('class="total"')).toBeLessThan(lv.indexOf('Rezultāti būs pieejami'));
    expect(lv.indexOf('Rezultāti būs pieejami')).toBeLessThan(lv.indexOf('pēdējo 6 mēnešu'));
    const en = await page('result', 'en');
    expect(en.match(/Results will be available from/g)).toHaveLength(1);
    expect(en).toContain('Results will be available from 02.07.2027 11:30 (Latvian time):');
  });

  it('a plain result: the year once, the appeal link, the downloads with the .edoc help, the e-service in the notice', async () => {
    const lv = await page('result', 'lv');
    const exam = entry(lv, /<h3>Centralizētais eksāmens kultūrā un mākslā/);
    expect(exam.match(/2025\.\/2026\./g)).toHaveLength(1);
    expect(lv).toContain(`<a href="${DEVELOPMENT_CONTACT.appealUrl}">Centralizēto eksāmenu rezultātu apstrīdēšana</a>`);
    expect(exam).toContain('Skatīt PDF kopiju (tikai apskatei)');
    expect(exam).toContain('href="/help/edoc">Kas ir .edoc fails un kā to atvērt?</a>');
    expect(lv).toContain('Latvija.lv e-pakalpojumā <a href="https://latvija.gov.lv/Services/45822"');
    const en = await page('result', 'en');
    expect(en).toContain(`<a href="${DEVELOPMENT_CONTACT.appealUrl}">Appealing centralised exam results</a>`);
    expect(en).toContain('View a PDF copy (for viewing only)');
  });

  it('the empty state points to the e-service for older certificates', async () => {
    const nobody = await test.handle.db
      .insertInto('persons')
      .values({ personal_code: '32000000009', first_name: 'Anna', last_name: 'Tukša' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const lv = await (await app.request('/results', { headers: { 'x-test-person': String(nobody.id) } })).text();
    expect(lv).toContain(
      'Iepriekšējo gadu sertifikātus varat apskatīt un lejupielādēt Latvija.lv e-pakalpojumā <a href="https://latvija.gov.lv/Services/45822"',
    );
    const en = await (await app.request('/results?lang=en', { headers: { 'x-test-person': String(nobody.id) } })).text();
    expect(en).toContain('You can view and download certificates of earlier years in the Latvija.lv e-service');
  });

  it('the .edoc help page names eParaksts and DigiDoc4, in both languages', async () => {
    const lv = await (await app.request('/help/edoc')).text();
    expect(lv).toContain('<h1>Kas ir .edoc fails un kā to atvērt</h1>');
    expect(lv).toContain('https://www.eparaksts.lv/');
    expect(lv).toContain('DigiDoc4</a> (id.ee)');
    const en = await (await app.request('/help/edoc?lang=en')).text();
    expect(en).toContain('<h1>What an .edoc file is and how to open it</h1>');
  });

  it('View PDF: the certificate’s PDF from the sealed document, inline, for its holder only, audited', async () => {
    const number = `2026/${kumal.candidateCodes[0]}-KUMAL`;
    const path = `/certificates/${encodeURIComponent(number)}.pdf`;
    const holder = ids.get('result')!;
    const res = await app.request(path, { headers: { 'x-test-person': String(holder) } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="sertifikats-2026-${kumal.candidateCodes[0]}-KUMAL-kopija-apskatei.pdf"`);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('content-security-policy')).toContain("object-src 'self'");
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const en = await app.request(`${path}?lang=en`, { headers: { 'x-test-person': String(holder) } });
    expect(en.headers.get('content-disposition')).toBe(`inline; filename="certificate-2026-${kumal.candidateCodes[0]}-KUMAL-copy-for-viewing.pdf"`);

    const audits = await test.handle.db.selectFrom('audit_log').select(['actor', 'channel', 'subject']).where('action', '=', 'certificate.view-pdf').execute();
    expect(audits).toContainEqual({ actor: `person:${holder}`, channel: 'student', subject: `certificate:${number}` });

    // Another student asking for this number, and the holder of an annulled certificate, get "not found".
    const before = audits.length;
    expect((await app.request(path, { headers: { 'x-test-person': String(ids.get('partly')) } })).status).toBe(404);
    const annulled = `/certificates/${encodeURIComponent(`2026/${kumal.candidateCodes[4]}-KUMAL`)}.pdf`;
    expect((await app.request(annulled, { headers: { 'x-test-person': String(ids.get('certificate-annulled')) } })).status).toBe(404);
    expect((await app.request(path)).status).toBe(302);
    const after = await test.handle.db.selectFrom('audit_log').select('id').where('action', '=', 'certificate.view-pdf').execute();
    expect(after).toHaveLength(before);
  });
});
