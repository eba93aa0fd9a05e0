/**
 * The staff tables at real size, through HTTP with real staff sessions, on SQLite and PostgreSQL: the candidates in
 * Latvian alphabetical order on every page (checked against a list sorted by `Intl.Collator('lv')`), the search
 * (by name without diacritics and by candidate code, never reaching another school), the CSV file of the filtered
 * list, the sessions grouped by education with totals and the agency's school search, the certificates ZIP's index
 * (and no annulled list when there is none), and the report form showing only the chosen type's fields.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { annulCertificate, issueCertificates } from '../../src/data/certificates.js';
import { listCandidates } from '../../src/data/candidates.js';
import { examSessionInScope } from '../../src/data/exam-sessions.js';
import { importScores } from '../../src/data/scores.js';
import { maskPersonalCode } from '../../src/domain/personal-code.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { seedSession, type SeededSession } from '../support/register.js';
import { agencyUser, createStaffApp, schoolUser, type StaffApp } from '../support/staff.js';

const AFTER_RELEASE = new Date('2026-07-10T10:00:00Z');
const LATVIAN = new Intl.Collator('lv');

const SURNAMES = [
  'Zvaigzne',
  'Žagars',
  'Ābols',
  'Avots',
  'Čakste',
  'Celms',
  'Bērziņš',
  'Berzins',
  'Ķēniņš',
  'Kalniņš',
  'Ļaviņa',
  'Lapsa',
  'Ņikitins',
  'Nagla',
  'Šteins',
  'Sproģis',
  'Ūdre',
  'Upīte',
  'Ģērmanis',
  'Gailis',
  'Īvāns',
  'Ivanovs',
  'Zariņa',
  'Eglīte',
];
const FIRST_NAMES = ['Žanis', 'Anna', 'Ārija', 'Čārlzs', 'Zane'];

/** The table body's rows as lists of cell texts (the reveal form left out). */
function tableRows(page: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? '';
  const text = (cell: string) =>
    cell
      .replace(/<form[\s\S]*?<\/form>/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((cell) => text(cell[1]!)));
}

const scoresFile = (codes: readonly string[]) => ({
  bytes: new TextEncoder().encode(['candidate_code,took_part,part_1,part_2,part_3,part_4', ...codes.map((c) => `${c},yes,20,20,15,20`)].join('\n')),
  name: 's.csv',
});

describe.each(DATABASE_KINDS)('staff tables at real size on %s', (kind) => {
  let test: TestDatabase;
  let a: SeededSession;
  let b: SeededSession;
  let staff: StaffApp;
  let cookieA: string;
  let cookieB: string;
  let cookieAgency: string;
  /** School A's candidates: [first name, surname, candidate code, personal code]. */
  const people: { first: string; last: string; code: string; personalCode: string }[] = [];
  const db = () => test.handle.db;
  const get = (path: string, cookie: string) => staff.app.request(path, { headers: { cookie } });
  const page = async (path: string, cookie: string) => {
    const res = await get(path, cookie);
    expect(res.status, path).toBe(200);
    return res.text();
  };
  const candidates = (sessionId = a.sessionId) => `/staff/sessions/${sessionId}/candidates`;
  const expectedOrder = () =>
    [...people].sort((x, y) => LATVIAN.compare(x.last, y.last) || LATVIAN.compare(x.first, y.first)).map((p) => `${p.last} ${p.first}`);

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    // School A: 120 candidates, every surname with and without its Latvian letter, three pages of 50.
    a = await seedSession(db(), { examCode: 'ANGAL', candidates: 120 });
    b = await seedSession(db(), { examCode: 'ANGAL', candidates: 2 });
    for (const [i, code] of a.candidateCodes.entries()) {
      const first = FIRST_NAMES[Math.floor(i / SURNAMES.length)]!;
      const last = SURNAMES[i % SURNAMES.length]!;
      const candidate = await db().selectFrom('candidates').select('person_id').where('code', '=', code).executeTakeFirstOrThrow();
      await db().updateTable('persons').set({ first_name: first, last_name: last }).where('id', '=', candidate.person_id).execute();
      people.push({ first, last, code, personalCode: a.personalCodes[i]! });
    }
    // School B has a Žagars too.
    const bCandidate = await db().selectFrom('candidates').select('person_id').where('code', '=', b.candidateCodes[0]!).executeTakeFirstOrThrow();
    await db().updateTable('persons').set({ first_name: 'Pēteris', last_name: 'Žagars' }).where('id', '=', bCandidate.person_id).execute();

    staff = createStaffApp(db(), { clock: () => AFTER_RELEASE });
    cookieA = await staff.cookieFor(await schoolUser(db(), a.institutionId, 'tables-a'));
    cookieB = await staff.cookieFor(await schoolUser(db(), b.institutionId, 'tables-b'));
    cookieAgency = await staff.cookieFor(await agencyUser(db(), 'tables-agency'));
  });
  afterAll(async () => test?.close());

  describe('the candidates table', () => {
    it('sorts surnames in Latvian alphabetical order across every page, both ways, as Intl.Collator(lv) does', async () => {
      const shown: string[] = [];
      for (const n of [1, 2, 3]) {
        const rows = tableRows(await page(`${candidates()}?page=${n}`, cookieA));
        expect(rows.length).toBe(n < 3 ? 50 : 20);
        shown.push(...rows.map((r) => `${r[3]} ${r[2]}`));
      }
      expect(shown).toEqual(expectedOrder());
      // Ā after A, Č after C, Ž after Zv…, not by code points.
      const surnames = [...new Set(shown.map((s) => s.split(' ')[0]))];
      expect(surnames.indexOf('Ābols')).toBe(surnames.indexOf('Avots') + 1);
      expect(surnames.indexOf('Čakste')).toBe(surnames.indexOf('Celms') + 1);
      expect(surnames.at(-1)).toBe('Žagars');
      expect(surnames.at(-2)).toBe('Zvaigzne');

      const descending: string[] = [];
      for (const n of [1, 2, 3])
        descending.push(...tableRows(await page(`${candidates()}?sort=lastName&dir=desc&page=${n}`, cookieA)).map((r) => `${r[3]} ${r[2]}`));
      expect(descending.map((s) => s.split(' ')[0])).toEqual(
        expectedOrder()
          .reverse()
          .map((s) => s.split(' ')[0]),
      );

      // First names in Latvian order too.
      const byFirst = tableRows(await page(`${candidates()}?sort=firstName`, cookieA)).map((r) => r[2]!);
      expect(byFirst).toEqual([...byFirst].sort(LATVIAN.compare));
    });

    it('gives the same order from the query itself, paged or whole', async () => {
      const session = (await examSessionInScope(db(), a.sessionId, a.institutionId))!;
      const query = {
        institutionId: a.institutionId,
        viewer: 'school' as const,
        now: AFTER_RELEASE,
        filter: 'registered' as const,
        sort: 'lastName' as const,
        direction: 'asc' as const,
      };
      const whole = await listCandidates(db(), session, query);
      expect(whole.rows.map((r) => `${r.lastName} ${r.firstName}`)).toEqual(expectedOrder());
      const second = await listCandidates(db(), session, { ...query, page: { number: 2, size: 50 } });
      expect(second).toMatchObject({ total: 120, page: 2, offset: 50 });
      expect(second.rows.map((r) => `${r.lastName} ${r.firstName}`)).toEqual(expectedOrder().slice(50, 100));
      const past = await listCandidates(db(), session, { ...query, page: { number: 9, size: 50 } });
      expect(past).toMatchObject({ page: 3, offset: 100 });
    });

    it('searches by name without diacritics and by candidate code, within the school only', async () => {
      const zagars = tableRows(await page(`${candidates()}?q=zagars`, cookieA));
      expect(zagars.map((r) => r[3])).toEqual(Array(5).fill('Žagars'));
      expect(zagars.map((r) => r[2])).toEqual(['Anna', 'Ārija', 'Čārlzs', 'Zane', 'Žanis']);
      const both = tableRows(await page(`${candidates()}?q=${encodeURIComponent('Žagars Ārija')}`, cookieA));
      expect(both.map((r) => `${r[2]} ${r[3]}`)).toEqual(['Ārija Žagars']);
      const byCode = tableRows(await page(`${candidates()}?q=${people[7]!.code}`, cookieA));
      expect(byCode.map((r) => r[5])).toEqual([people[7]!.code]);

      // School B's Žagars is never in school A's results, and B's own code finds nothing for A.
      const aPage = await page(`${candidates()}?q=P%C4%93teris`, cookieA);
      expect(tableRows(aPage)).toEqual([]);
      expect(aPage).toContain('Neviens kārtotājs šajā atlasē neatbilst meklētajam “Pēteris”');
      expect(tableRows(await page(`${candidates()}?q=${b.candidateCodes[0]}`, cookieA))).toEqual([]);
      // B sees only its own; the agency both schools'.
      expect(tableRows(await page(`${candidates()}?q=zagars`, cookieB)).map((r) => `${r[2]} ${r[3]}`)).toEqual(['Pēteris Žagars']);
      expect(tableRows(await page(`${candidates()}?q=zagars`, cookieAgency))).toHaveLength(6);
    });

    it('shows a mark for yes and nothing for no, with the word for screen readers', async () => {
      const html = await page(candidates(), cookieA);
      expect(html).not.toContain('× nē');
      expect(html).not.toMatch(/>\s*nē\s*</);
      expect(html).not.toContain('× nav');
    });

    it('exports the filtered list as CSV with a BOM, the same order and masked personal codes, and logs it', async () => {
      const res = await get(`${candidates()}.csv?q=zagars&sort=firstName&dir=desc`, cookieA);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="kartotaji-ANGAL-2025-2026.csv"');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const records = parse(Buffer.from(bytes), { delimiter: ';', bom: true }) as string[][];
      expect(records[0]).toEqual([
        '#',
        'Personas kods',
        'Vārds',
        'Uzvārds',
        'Klase/kurss',
        'Kārtotāja kods',
        'Atbrīvots',
        'Piedalījās',
        'Papildtermiņš',
        'Atbalsts',
        'Anulēts',
        'Darbs',
        'Starptautiskais sertifikāts',
      ]);
      expect(records.slice(1).map((r) => r[2])).toEqual(['Žanis', 'Zane', 'Čārlzs', 'Ārija', 'Anna']);
      const zane = people.find((p) => p.first === 'Zane' && p.last === 'Žagars')!;
      expect(records[2]).toEqual(['2', maskPersonalCode(zane.personalCode), 'Zane', 'Žagars', '12.a', zane.code, '', '', '', '', '', '', '']);
      const text = Buffer.from(bytes).toString('utf8');
      for (const p of people) expect(text).not.toContain(p.personalCode);
      expect(text).not.toContain('Pēteris');
      const logged = await db().selectFrom('audit_log').select(['subject', 'details']).where('action', '=', 'candidates.export').execute();
      expect(logged).toEqual([{ subject: `session:${a.sessionId}`, details: JSON.stringify({ institution: a.institutionId, rows: 5 }) }]);
      // Another school's session is not there for A.
      const bOnly = await seedSession(db(), { examCode: 'FIZAL', candidates: 1 });
      expect((await get(`/staff/sessions/${bOnly.sessionId}/candidates.csv`, cookieA)).status).toBe(404);
    });

    it('prints every row with a stylesheet that puts the title and page numbers in the page margins', async () => {
      const html = await page(`${candidates()}?print=1&q=zagars`, cookieA);
      expect(tableRows(html)).toHaveLength(5);
      expect(html).toContain(`<link rel="stylesheet" href="${candidates()}/print.css?lang=lv">`);
      expect(html).toContain('<thead>');
      const css = await get(`${candidates()}/print.css?lang=lv`, cookieA);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      const text = await css.text();
      expect(text).toMatch(/@top-left \{\s*content: "Kārtotāji: .+ · Testa vidusskola \d+";/);
      expect(text).toMatch(/@bottom-right \{\s*content: "" counter\(page\) ". lapa no " counter\(pages\) "";/);
      const en = await (await get(`${candidates()}/print.css?lang=en`, cookieA)).text();
      expect(en).toMatch(/content: "Page " counter\(page\) " of " counter\(pages\) ""/);
    });
  });

  describe('the exam sessions', () => {
    it('groups basic and secondary education, each with its totals, and a total of all', async () => {
      const basic = await seedSession(db(), { examCode: 'LAT09', candidates: 2 });
      const agency = await page(`/staff/sessions?institution=${basic.institutionId}`, cookieAgency);
      expect(agency).toContain('<th scope="colgroup" colspan="7" id="group-basic">Pamatizglītība</th>');
      expect(agency).not.toContain('id="group-secondary"');
      const all = await page('/staff/sessions', cookieAgency);
      const basicAt = all.indexOf('id="group-basic"');
      const secondaryAt = all.indexOf('id="group-secondary"');
      expect(basicAt).toBeGreaterThan(0);
      expect(secondaryAt).toBeGreaterThan(basicAt);
      const totalRow = (label: string) => {
        const row = [...all.matchAll(/<tr class="total">([\s\S]*?)<\/tr>/g)].find((r) => r[1]!.includes(label));
        return row ? [...row[1]!.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1])) : undefined;
      };
      const registrations = async (education: 'basic' | 'secondary' | null) => {
        let q = db()
          .selectFrom('registrations')
          .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
          .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
          .where('exams.school_year', '=', 2025)
          .select((eb) => eb.fn.countAll<number>().as('n'));
        if (education) q = q.where('exams.education', '=', education);
        return Number((await q.executeTakeFirstOrThrow()).n);
      };
      expect(totalRow('Kopā: Pamatizglītība')?.[0]).toBe(await registrations('basic'));
      expect(totalRow('Kopā: Vidējā izglītība')?.[0]).toBe(await registrations('secondary'));
      expect(totalRow('Kopā visās norisēs')?.[0]).toBe(await registrations(null));
    });

    it('lets agency staff find a school by part of its name or its number; several are a choice, none an error', async () => {
      const number = (await db().selectFrom('institutions').select('registration_number').where('id', '=', a.institutionId).executeTakeFirstOrThrow())
        .registration_number;
      const one = await page(`/staff/sessions?school=${number}`, cookieAgency);
      expect(one).toContain(`href="/staff/sessions/${a.sessionId}/candidates?institution=${a.institutionId}"`);
      expect(one).toContain(`value="Testa vidusskola ${number} (${number})"`);
      expect(one).toContain('<datalist id="school-names">');
      const several = await page(`/staff/sessions?school=${encodeURIComponent('testa VIDUSSKOLA')}`, cookieAgency);
      expect(several).toMatch(/Meklētajam “testa VIDUSSKOLA” atbilst vairākas iestādes \(\d+\): izvēlieties vienu/);
      expect(several).toContain(`<a href="/staff/sessions?institution=${a.institutionId}&amp;year=2025">Testa vidusskola ${number}</a>`);
      expect(several).not.toContain('<table class="sessions">');
      const none = await get('/staff/sessions?school=Nekur', cookieAgency);
      expect(none.status).toBe(400);
      const html = await none.text();
      expect(html).toContain('<title>Kļūda:');
      expect(html).toContain('<a href="#school">Neviena iestāde neatbilst meklētajam “Nekur”');
      expect(html).toContain('aria-invalid="true"');
      // A school user has no search, and a search names no other school for them.
      const school = await page(`/staff/sessions?school=${encodeURIComponent('Testa')}`, cookieA);
      expect(school).not.toContain('name="school"');
      expect(school).toContain(`/staff/sessions/${a.sessionId}/candidates`);
    });
  });

  describe('the certificates ZIP', () => {
    it('holds an index of number, name and exam, and an annulled list only when there is one', async () => {
      const codes = people.slice(0, 3).map((p) => p.code);
      // Only three sit the exam: the others have no certificate.
      await importScores(db(), a.sessionId, scoresFile(codes), 't');
      await issueCertificates(db(), a.sessionId, { actor: 't', issuedOn: '2026-06-30' });
      const certificates = await db()
        .selectFrom('certificates')
        .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
        .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .where('candidates.institution_id', '=', a.institutionId)
        .select(['certificates.id', 'certificates.number', 'candidates.code'])
        .execute();
      expect(certificates).toHaveLength(3);
      for (const c of certificates) {
        const edoc = new Uint8Array(randomBytes(2_000));
        await db()
          .insertInto('certificate_documents')
          .values({
            certificate_id: c.id,
            version: 1,
            reason: 'sealed',
            edoc,
            sha256: createHash('sha256').update(edoc).digest('hex'),
            created_at: '2026-06-30T10:00:00.000Z',
          })
          .execute();
      }
      const zip = async () => unzipSync(new Uint8Array(await (await get(`/staff/sessions/${a.sessionId}/certificates.zip`, cookieA)).arrayBuffer()));
      const files = await zip();
      expect(Object.keys(files).filter((n) => !n.endsWith('.edoc'))).toEqual(['saraksts.csv']);
      const index = parse(Buffer.from(files['saraksts.csv']!), { delimiter: ';', bom: true }) as string[][];
      expect(index[0]).toEqual(['Sertifikāta numurs', 'Uzvārds', 'Vārds', 'Eksāmens', 'Datne arhīvā']);
      const byCode = (code: string) => people.find((p) => p.code === code)!;
      const expected = certificates
        .map((c) => [c.number, byCode(c.code).last, byCode(c.code).first, `${c.number.replace('/', '-')}.edoc`])
        .sort((x, y) => LATVIAN.compare(x[1]!, y[1]!) || LATVIAN.compare(x[2]!, y[2]!));
      expect(index.slice(1).map((r) => [r[0], r[1], r[2], r[4]])).toEqual(expected);
      // The exam: its title, code and term.
      for (const row of index.slice(1)) expect(row[3]).toMatch(/^Centralizētais eksāmens angļu valodā.* \(ANGAL\), Pamattermiņš$/);
      for (const row of index.slice(1)) expect(files[row[4]!]).toBeDefined();

      await annulCertificate(db(), certificates[0]!.number, 'Kļūda vērtējumā', { actor: 't', now: new Date('2026-07-08T09:00:00Z') });
      const after = await zip();
      expect(
        Object.keys(after)
          .filter((n) => !n.endsWith('.edoc'))
          .sort(),
      ).toEqual(['anuletie-sertifikati.txt', 'saraksts.csv']);
      expect(new TextDecoder().decode(after['saraksts.csv'])).not.toContain(certificates[0]!.number);
      expect(new TextDecoder().decode(after['anuletie-sertifikati.txt'])).toContain(certificates[0]!.number);
    });
  });

  describe('the report form', () => {
    const fieldsOf = (html: string) => [...html.matchAll(/<(?:input|select)[^>]*\sname="([^"]+)"/g)].map((m) => m[1]!).filter((n) => n !== '_csrf');

    it('shows only the chosen type’s fields, without JavaScript (a GET step) and as an htmx fragment', async () => {
      const results = await page('/staff/reports', cookieA);
      expect(results).toContain('<input type="radio" id="report_type" name="report_type" value="institution-results" checked');
      expect(new Set(fieldsOf(results))).toEqual(new Set(['report_type', 'session', 'institution', 'exam_type', 'format']));
      const applications = await page('/staff/reports?report_type=applications', cookieA);
      expect(new Set(fieldsOf(applications))).toEqual(new Set(['report_type', 'from', 'to', 'institution', 'exam_type', 'format']));
      expect(applications).toContain('<input type="hidden" name="report_type" value="applications">');
      const graduates = await page('/staff/reports?report_type=graduates', cookieA);
      expect(new Set(fieldsOf(graduates))).toEqual(new Set(['report_type', 'selection_date', 'education', 'institution', 'exam_type', 'format']));
      const fragment = await page('/staff/reports/fields?report_type=graduates', cookieA);
      expect(fragment.startsWith('<form method="post" action="/staff/reports" class="stack report-form" id="report-request"')).toBe(true);
      expect(fragment).not.toContain('<html');
      expect(new Set(fieldsOf(fragment))).toEqual(new Set(['report_type', 'selection_date', 'education', 'institution', 'exam_type', 'format']));
    });

    it('sends a form with problems back as an error: title, summary linked to each field, the field marked', async () => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page('/staff/reports', cookieA))![1]!;
      const res = await staff.app.request('/staff/reports', {
        method: 'POST',
        headers: { cookie: cookieA, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, report_type: 'applications', format: 'xlsx', from: '', to: '2026-01-01T10:00' }).toString(),
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('<title>Kļūda: Statistikas pārskati');
      const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)![0];
      expect(summary).toContain('<a href="#from">Datums no: Šis lauks ir obligāts.</a>');
      expect(html).toMatch(/<div class="field field-invalid"><label for="from">/);
      expect(html).toMatch(/<input type="datetime-local" id="from" name="from" value=""[^>]*aria-invalid="true"/);
      // The type's fields stay: what was typed is kept, and no other type's fields appear.
      expect(html).toContain('value="2026-01-01T10:00"');
      expect(fieldsOf(html)).not.toContain('session');
    });

    it('shows each requested report’s parameters and how long its file is kept', async () => {
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page('/staff/reports', cookieA))![1]!;
      const res = await staff.app.request('/staff/reports', {
        method: 'POST',
        headers: { cookie: cookieA, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, report_type: 'graduates', format: 'csv', selection_date: '2026-07-01', education: 'basic' }).toString(),
      });
      expect(res.status).toBe(303);
      const html = await page('/staff/reports', cookieA);
      expect(html).toContain('Gatavie pārskati glabājas 7 dienas pēc sagatavošanas');
      expect(html).toMatch(
        /<span class="report-parameters">Atlases datums: 01\.07\.2026; Izglītības veids: pamatizglītība; Iestāde: Testa vidusskola \d+<\/span>/,
      );
    });
  });
});
