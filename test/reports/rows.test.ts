/**
 * The rows and columns of the three reports against what the fixture put in the register: percentages from the
 * seed's own scoring examples, certificate numbers as issued, and never a row of another school.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRequest } from '../../src/domain/report-parameters.js';
import { reportTable, type CellValue } from '../../src/reports/tables.js';
import { ReportFailure } from '../../src/reports/task.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { buildReportFixture, FORMULA_NAME, INTERNATIONAL, LATVIAN_NAME, MAT09_TITLE, QUOTED_NAME, type ReportFixture } from './fixture.js';

describe.each(DATABASE_KINDS)('report rows on %s', (kind) => {
  let test: TestDatabase;
  let f: ReportFixture;

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    f = await buildReportFixture(test.handle.db);
  });
  afterAll(async () => test?.close());

  /** The whole table, read in batches of two so that paging is exercised. */
  async function table(institutionId: number | null, request: ReportRequest, lang: 'lv' | 'en' = 'lv') {
    const result = await reportTable(test.handle.db, institutionId, { request, lang }, 2);
    const rows: CellValue[][] = [];
    for await (const batch of result.batches) rows.push(...batch);
    return { headings: result.columns.map((c) => c.heading), kinds: result.columns.map((c) => c.kind), total: result.total, rows };
  }
  const allText = (rows: CellValue[][]) => rows.flat().join('\n');

  describe('institution results', () => {
    it('has one row per registration of the school, with the seed’s percentages, attendance and certificates', async () => {
      const { headings, kinds, total, rows } = await table(f.institutionA, { type: 'institution-results', sessionId: f.mat09Session });
      expect(headings).toEqual([
        'Personas kods',
        'Vārds',
        'Uzvārds',
        'Klase, kurss',
        'Kārtotāja numurs',
        'Eksāmena nosaukums',
        'Vērtējums 1. daļā',
        'Vērtējums 2. daļā',
        'Vērtējums kopā',
        'Ieradās',
        'Starptautiskais sertifikāts',
        'Sertifikāta numurs',
      ]);
      expect(kinds).toEqual(['text', 'text', 'text', 'text', 'text', 'text', 'number', 'number', 'number', 'text', 'text', 'text']);
      const [p0, p1, p2, p3, p4] = f.a as [(typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0]];
      const person = (p: typeof p0) => [p.printedCode, p.firstName, p.lastName, '12.a', p.candidateCode, MAT09_TITLE];
      expect(rows).toEqual([
        [...person(p0), 20, 7, 16, 'Jā', 'Nav', `2026/${p0.candidateCode}-MAT09`],
        // Annulled certificate: no number.
        [...person(p1), 71, 15, 57, 'Jā', 'Nav', null],
        // Did not come: empty percentages, not zeros.
        [...person(p2), null, null, null, 'Nē', 'Nav', null],
        // Took part partly: counts as having come.
        [...person(p3), 55, 10, 43, 'Jā', 'Nav', `2026/${p3.candidateCode}-MAT09`],
        // Exempted.
        [...person(p4), null, null, null, 'Nē', 'Nav', null],
      ]);
      expect(p0.lastName).toBe(LATVIAN_NAME);
      expect(total).toBe(5);
      const registered = await test.handle.db
        .selectFrom('registrations')
        .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
        .select('candidates.code')
        .where('registrations.session_id', '=', f.mat09Session)
        .where('candidates.institution_id', '=', f.institutionA)
        .execute();
      expect(rows.map((r) => r[4]).sort()).toEqual(registered.map((r) => r.code).sort());
      for (const other of f.b) expect(allText(rows)).not.toContain(other.candidateCode);
    });

    it('shows weighted parts, exemption with an international certificate, and English headings', async () => {
      const { headings, rows } = await table(f.institutionA, { type: 'institution-results', sessionId: f.ang09Session }, 'en');
      expect(headings).toEqual([
        'Personal code',
        'First name',
        'Last name',
        'Class, course',
        'Candidate number',
        'Exam name',
        'Score part 1',
        'Score part 2',
        'Score part 3',
        'Score part 4',
        'Total',
        'Attended',
        'International certificate',
        'Certificate number',
      ]);
      const [p0, p1, p2] = f.a as [(typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0]];
      const title = 'Exam in English for 9th grade 2025/2026';
      expect(rows).toEqual([
        [p0.printedCode, p0.firstName, p0.lastName, '12.a', p0.candidateCode, title, 100, 100, 100, 100, 100, 'Yes', 'None', `2026/${p0.candidateCode}-ANG09`],
        [p1.printedCode, p1.firstName, p1.lastName, '12.a', p1.candidateCode, title, null, null, null, null, null, 'No', INTERNATIONAL, null],
        // Part 4: 10 of 25 points × 0.8 = 8 of 20 → 40 %; total 38 of 80 → 47 %.
        [p2.printedCode, p2.firstName, p2.lastName, '12.a', p2.candidateCode, title, 50, 50, 50, 40, 47, 'Yes', 'None', `2026/${p2.candidateCode}-ANG09`],
      ]);
    });

    it('covers every institution for the agency, and never another school’s candidates for a school', async () => {
      const all = await table(null, { type: 'institution-results', sessionId: f.mat09Session });
      expect(all.total).toBe(7);
      expect(all.rows.slice(5).map((r) => [r[4], r[6], r[7], r[8]])).toEqual([
        [f.b[0]!.candidateCode, 100, 100, 100],
        [f.b[1]!.candidateCode, 50, 50, 50],
      ]);
      const schoolB = await table(f.institutionB, { type: 'institution-results', sessionId: f.mat09Session });
      expect(schoolB.rows.map((r) => r[4])).toEqual(f.b.map((p) => p.candidateCode));
      for (const p of f.a) expect(allText(schoolB.rows)).not.toContain(p.candidateCode);
    });

    it('fails with a key the page can show when the session does not exist', async () => {
      const failure = await table(f.institutionA, { type: 'institution-results', sessionId: 999_999 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ReportFailure);
      expect((failure as ReportFailure).key).toBe('no-session');
    });
  });

  describe('applications', () => {
    const wide = { type: 'applications', from: '2025-11-01T00:00:00.000Z', to: '2025-12-31T21:59:59.999Z' } as const;

    it('has one row per candidate with all their codes and a certificate per subject group and other subject', async () => {
      const { headings, total, rows } = await table(f.institutionA, wide);
      expect(headings).toEqual(['Uzvārds', 'Vārds', 'Klase', 'Kārtotāja kods', 'Iestāde', 'Latviešu valoda', 'Matemātika', 'Svešvaloda', 'Bioloģija']);
      const [p0, p1, p2, p3, p4] = f.a as [(typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0]];
      const school = f.institutionAName;
      expect(rows).toEqual([
        [
          LATVIAN_NAME,
          'Ērika',
          '12.a',
          [p0.candidateCode, f.secondCode].sort().join(', '),
          school,
          `2026/${p0.candidateCode}-LAT09`,
          `2026/${p0.candidateCode}-MAT09`,
          `2026/${p0.candidateCode}-ANG09`,
          `2026/${f.secondCode}-BIOAL`,
        ],
        // Annulled mathematics, exempted English: applied, but no certificate.
        ['Liepa', FORMULA_NAME, '12.a', p1.candidateCode, school, null, null, null, null],
        [QUOTED_NAME, 'Anna', '12.a', p2.candidateCode, school, null, null, `2026/${p2.candidateCode}-ANG09`, null],
        ['Ozols', '+37120000000', '12.a', p3.candidateCode, school, null, `2026/${p3.candidateCode}-MAT09`, null, null],
        ['@Vītola', '-Marta\r\nMarija', '12.a', p4.candidateCode, school, null, null, null, null],
      ]);
      expect(total).toBe(5);
      for (const other of f.b) expect(allText(rows)).not.toContain(other.candidateCode);
    });

    it('takes only applications made in the period, and has no column for a subject nobody applied for then', async () => {
      // 1 December in Riga: the mathematics applications only.
      const { headings, rows } = await table(f.institutionA, { type: 'applications', from: '2025-11-30T22:00:00.000Z', to: '2025-12-01T21:59:59.999Z' }, 'en');
      expect(headings).toEqual(['Last name', 'First name', 'Class', 'Candidate code(s)', 'Institution', 'Latvian', 'Mathematics', 'Foreign language']);
      expect(rows[0]!.slice(5)).toEqual([null, `2026/${f.a[0]!.candidateCode}-MAT09`, null]);
      expect(rows).toHaveLength(5);
      const none = await table(f.institutionA, { type: 'applications', from: '2024-09-01T00:00:00.000Z', to: '2024-12-31T00:00:00.000Z' });
      expect(none.rows).toEqual([]);
      expect(none.total).toBe(0);
    });

    it('lists the other school’s candidates with their school for the agency only', async () => {
      const all = await table(null, wide);
      expect(all.total).toBe(7);
      const schoolB = await db().selectFrom('institutions').select('name').where('id', '=', f.institutionB).executeTakeFirstOrThrow();
      expect(all.rows.slice(5).map((r) => [r[3], r[4], r[6]])).toEqual(f.b.map((p) => [p.candidateCode, schoolB.name, `2026/${p.candidateCode}-MAT09`]));
      const own = await table(f.institutionB, wide);
      expect(own.rows.map((r) => r[3])).toEqual(f.b.map((p) => p.candidateCode));
    });
  });

  describe('graduates', () => {
    const basicOn = (selectionDate: string) => ({ type: 'graduates', selectionDate, education: 'basic' }) as const;
    const byNumber = (rows: CellValue[][]) => [...rows].sort((a, b) => String(a[7]).localeCompare(String(b[7])));

    it('lists every certificate valid on the selection date, with its total', async () => {
      const { headings, kinds, total, rows } = await table(f.institutionA, basicOn('2026-06-19'));
      expect(headings).toEqual(['Personas kods', 'Vārds', 'Uzvārds', 'Klase', 'Eksāmens', 'Mācību gads', 'Kopvērtējums', 'Sertifikāta numurs', 'Izsniegts']);
      expect(kinds).toEqual(['text', 'text', 'text', 'text', 'text', 'text', 'number', 'text', 'date']);
      const [p0, p1, p2, p3] = f.a as [(typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0], (typeof f.a)[0]];
      const row = (p: typeof p0, exam: string, title: string, totalPercent: number) => [
        p.printedCode,
        p.firstName,
        p.lastName,
        '12.a',
        title,
        '2025./2026.',
        totalPercent,
        `2026/${p.candidateCode}-${exam}`,
        '2026-06-17',
      ];
      const english = 'Eksāmens angļu valodā 9. klasei 2025./2026. m.g.';
      expect(byNumber(rows)).toEqual(
        byNumber([
          row(p0, 'MAT09', MAT09_TITLE, 16),
          // Annulled only on 20 June: still valid on the 19th.
          row(p1, 'MAT09', MAT09_TITLE, 57),
          row(p3, 'MAT09', MAT09_TITLE, 43),
          row(p0, 'ANG09', english, 100),
          row(p2, 'ANG09', english, 47),
          row(p0, 'LAT09', 'Eksāmens latviešu valodā 9. klasei 2025./2026. m.g.', 68),
        ]),
      );
      expect(total).toBe(6);
      for (const other of f.b) expect(allText(rows)).not.toContain(other.candidateCode);
    });

    it('leaves out certificates annulled on or before the date and those issued after it', async () => {
      const annulledThatDay = await table(f.institutionA, basicOn('2026-06-20'));
      expect(annulledThatDay.rows.map((r) => r[7])).not.toContain(`2026/${f.a[1]!.candidateCode}-MAT09`);
      expect(annulledThatDay.total).toBe(5);
      expect((await table(f.institutionA, basicOn('2026-06-16'))).rows).toEqual([]);
    });

    it('keeps education types apart, and the agency sees every school', async () => {
      const secondary = await table(f.institutionA, { type: 'graduates', selectionDate: '2026-07-01', education: 'secondary' }, 'en');
      expect(secondary.rows).toEqual([
        [
          f.a[0]!.printedCode,
          'Ērika',
          LATVIAN_NAME,
          '12.a',
          'Centralised exam in biology (higher level) 2025/2026',
          '2025/2026',
          77,
          `2026/${f.secondCode}-BIOAL`,
          '2026-06-30',
        ],
      ]);
      const all = await table(null, basicOn('2026-06-19'));
      expect(all.total).toBe(8);
      expect(all.rows.map((r) => r[7])).toEqual(expect.arrayContaining(f.b.map((p) => `2026/${p.candidateCode}-MAT09`)));
    });
  });

  describe('before the release moment', () => {
    async function rowsAt(institutionId: number, request: ReportRequest, now: Date, allResults = false) {
      const result = await reportTable(test.handle.db, institutionId, { request, lang: 'lv', ...(allResults ? { allResults } : {}) }, 2, now);
      const rows: CellValue[][] = [];
      for await (const batch of result.batches) rows.push(...batch);
      return { total: result.total, rows };
    }

    it('leaves results and certificates out of a report until they are released, unless the agency asked', async () => {
      const year = await db().selectFrom('school_years').selectAll().where('start_year', '=', 2025).executeTakeFirstOrThrow();
      const release = new Date(year.basic_results_at);
      const before = new Date(release.getTime() - 60_000);
      const results = { type: 'institution-results', sessionId: f.mat09Session } as const;

      const early = await rowsAt(f.institutionA, results, before);
      // Who came is known; how they did is not, yet.
      expect(early.rows.map((r) => r.slice(6))).toEqual([
        [null, null, null, 'Jā', 'Nav', null],
        [null, null, null, 'Jā', 'Nav', null],
        [null, null, null, 'Nē', 'Nav', null],
        [null, null, null, 'Jā', 'Nav', null],
        [null, null, null, 'Nē', 'Nav', null],
      ]);
      expect((await rowsAt(f.institutionA, results, release)).rows[0]!.slice(6)).toEqual([20, 7, 16, 'Jā', 'Nav', `2026/${f.a[0]!.candidateCode}-MAT09`]);
      // The agency, which loads and checks them, sees them at once.
      expect((await rowsAt(f.institutionA, results, before, true)).rows[0]!.slice(6, 9)).toEqual([20, 7, 16]);

      const graduates = { type: 'graduates', selectionDate: '2026-06-19', education: 'basic' } as const;
      expect(await rowsAt(f.institutionA, graduates, before)).toEqual({ total: 0, rows: [] });
      expect((await rowsAt(f.institutionA, graduates, release)).total).toBe(6);

      const applications = { type: 'applications', from: '2025-11-01T00:00:00.000Z', to: '2025-12-31T21:59:59.999Z' } as const;
      const applied = await rowsAt(f.institutionA, applications, before);
      expect(applied.total).toBe(5);
      expect(applied.rows.flatMap((r) => r.slice(5)).filter((cell) => cell !== null)).toEqual([]);
      // Basic results released, the secondary biology not yet (3 July).
      expect((await rowsAt(f.institutionA, applications, release)).rows[0]!.slice(5)).toEqual([
        `2026/${f.a[0]!.candidateCode}-LAT09`,
        `2026/${f.a[0]!.candidateCode}-MAT09`,
        `2026/${f.a[0]!.candidateCode}-ANG09`,
        null,
      ]);
    });
  });

  const db = () => test.handle.db;
});
