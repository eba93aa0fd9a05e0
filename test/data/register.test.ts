import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../db/connect.js';
import { CatalogueError, defineParts, findExam, installCatalogue, PartsChangeNeedsConfirmation } from '../../src/data/catalogue.js';
import { annulCertificate, CertificateError, issueCertificates } from '../../src/data/certificates.js';
import { generateDemo } from '../../src/data/demo.js';
import { importScores } from '../../src/data/scores.js';
import { CALENDAR, CATALOGUE } from '../../src/domain/catalogue.js';
import { parseCertificateNumber } from '../../src/domain/certificate-number.js';
import { parsePersonalCode } from '../../src/domain/personal-code.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { registerSnapshot, seedSession } from '../support/register.js';

const csv = (text: string) => ({ bytes: new TextEncoder().encode(text), name: 'scores.csv' });

describe.each(DATABASE_KINDS)('the register on %s', (kind) => {
  let test: TestDatabase;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
  });
  afterEach(async () => test.close());

  it('holds the whole seed catalogue for 2022/23 after migrating, and installing it again adds nothing', async () => {
    const db = test.handle.db;
    const exams = await db.selectFrom('exams').select('code').where('school_year', '=', 2022).execute();
    expect(exams.map((e) => e.code).sort()).toEqual(CATALOGUE.map((e) => e.code).sort());
    const sessions = await db.selectFrom('exam_sessions').select('id').execute();
    expect(sessions).toHaveLength(CALENDAR.length);
    expect(await installCatalogue(db, 2022)).toEqual({ exams: 0, sessions: 0 });
    const kumal = (await findExam(db, 'KUMAL', 2022))!;
    expect(kumal.parts.map((p) => [p.max_points, p.name_lv])).toEqual([
      [54, 'Zināšanas, izpratne un prasmes'],
      [33, 'Kompleksu problēmu risināšana'],
    ]);
    const year = await db.selectFrom('school_years').selectAll().where('start_year', '=', 2022).executeTakeFirstOrThrow();
    expect(year).toEqual({ start_year: 2022, basic_results_at: '2023-06-26T06:00:00.000Z', secondary_results_at: '2023-07-03T06:00:00.000Z' });
  });

  it('issues numbered certificates once, for those who took part, and annuls with a reason', async () => {
    const db = test.handle.db;
    const s = await seedSession(db, { examCode: 'KUMAL', candidates: 3 });
    await importScores(db, s.sessionId, csv(`candidate_code,took_part,part_1,part_2\n${s.candidateCodes[0]},yes,48,29\n${s.candidateCodes[1]},partly,20,\n${s.candidateCodes[2]},no,,`), 't');
    const first = await issueCertificates(db, s.sessionId, { actor: 't', now: new Date('2026-06-30T09:00:00Z') });
    expect(first).toEqual({ issued: 2, alreadyIssued: 0, notEligible: 1, conflicts: [] });
    const certificates = await db.selectFrom('certificates').selectAll().orderBy('number').execute();
    expect(certificates.map((c) => c.number).sort()).toEqual([`2026/${s.candidateCodes[0]}-KUMAL`, `2026/${s.candidateCodes[1]}-KUMAL`].sort());
    expect(certificates.every((c) => c.issued_on === '2026-06-30' && c.state === 'issued')).toBe(true);

    const before = await registerSnapshot(db);
    expect(await issueCertificates(db, s.sessionId, { actor: 't' })).toEqual({ issued: 0, alreadyIssued: 2, notEligible: 1, conflicts: [] });
    expect(await registerSnapshot(db)).toBe(before);

    const number = `2026/${s.candidateCodes[0]}-KUMAL`;
    await expect(annulCertificate(db, number, '  ', { actor: 't' })).rejects.toMatchObject({ key: 'certificate.reason-required' });
    await annulCertificate(db, number, 'Darbs anulēts pēc pārbaudes', { actor: 't', now: new Date('2026-07-10T10:00:00Z') });
    const annulled = await db.selectFrom('certificates').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
    expect(annulled).toMatchObject({ state: 'annulled', annulled_reason: 'Darbs anulēts pēc pārbaudes', annulled_at: '2026-07-10T10:00:00.000Z' });
    await expect(annulCertificate(db, number, 'again', { actor: 't' })).rejects.toMatchObject({ key: 'certificate.already-annulled' });
    await expect(annulCertificate(db, '2026/000000000000-KUMAL', 'x', { actor: 't' })).rejects.toBeInstanceOf(CertificateError);
    const audit = await db.selectFrom('audit_log').select(['action', 'subject']).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['scores.import', 'certificates.issue', 'certificate.annul']);
  });

  it('keeps its rules in the database itself: unique numbers, one sitting per registration, valid references, states', async () => {
    const db = test.handle.db;
    const s = await seedSession(db, { examCode: 'LAT09', candidates: 3 });
    const registrations = await db.selectFrom('registrations').select('id').where('session_id', '=', s.sessionId).orderBy('id').execute();
    const [r1, r2, r3] = registrations.map((r) => r.id) as [number, number, number];
    const sitting = (registrationId: number, tookPart = 'yes') =>
      db.insertInto('sittings').values({ registration_id: registrationId, took_part: tookPart as 'yes', updated_at: 'x' }).returning('id').executeTakeFirstOrThrow();
    const s1 = await sitting(r1);
    const s2 = await sitting(r2);
    // Each refusal below hits exactly one rule: the row is otherwise valid.
    await expect(sitting(r1)).rejects.toThrow(/unique/i);
    await expect(sitting(999999)).rejects.toThrow(/foreign key/i);
    await expect(sitting(r3, 'maybe')).rejects.toThrow(/check/i);
    const certificate = (number: string, sittingId: number) =>
      db.insertInto('certificates').values({ number, sitting_id: sittingId, issued_on: '2026-06-17', state: 'issued', created_at: 'x' }).execute();
    await certificate('2026/000000000001-LAT09', s1.id);
    await expect(certificate('2026/000000000001-LAT09', s2.id)).rejects.toThrow(/unique/i);
    await expect(certificate('2026/000000000002-LAT09', s1.id)).rejects.toThrow(/unique/i);
    await expect(
      db.insertInto('certificates').values({ number: '2026/000000000003-LAT09', sitting_id: s2.id, issued_on: '2026-13-01', state: 'issued', created_at: 'x' }).execute(),
    ).rejects.toThrow(/check/i);
    await expect(db.updateTable('certificates').set({ state: 'annulled' }).execute()).rejects.toThrow(/check/i);
    await expect(db.insertInto('institutions').values({ registration_number: '40000abcde', name: 'x', municipality: null }).execute()).rejects.toThrow(/check/i);
    await expect(db.insertInto('institutions').values({ registration_number: '123', name: 'x', municipality: null }).execute()).rejects.toThrow(/check/i);
    await expect(db.insertInto('persons').values({ personal_code: '161175-1999', first_name: 'A', last_name: 'B' }).execute()).rejects.toThrow(/check/i);
    await expect(db.insertInto('sitting_points').values({ sitting_id: s1.id, part_no: 1, points_hundredths: -1 }).execute()).rejects.toThrow(/check/i);
    await expect(db.insertInto('sitting_points').values({ sitting_id: s1.id, part_no: 21, points_hundredths: 1 }).execute()).rejects.toThrow(/check/i);
    await db.insertInto('sitting_points').values({ sitting_id: s1.id, part_no: 1, points_hundredths: 1 }).execute();
  });

  it('rolls an import back whole when a write fails halfway', async () => {
    const db = test.handle.db;
    const s = await seedSession(db, { examCode: 'LAT09', candidates: 3 });
    const before = await registerSnapshot(db);
    // A plugin that makes the third write of points fail, as a lost connection or full disk would.
    let pointWrites = 0;
    const failing = db.withPlugin({
      transformQuery(args) {
        const node = args.node as { kind: string; into?: { table: { identifier: { name: string } } } };
        if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'sitting_points' && ++pointWrites === 3) {
          throw new Error('disk full');
        }
        return args.node;
      },
      async transformResult(args) {
        return args.result;
      },
    });
    const file = csv(['candidate_code,took_part,part_1,part_2,part_3', ...s.candidateCodes.map((c) => `${c},yes,1,2,3`)].join('\n'));
    await expect(importScores(failing, s.sessionId, file, 't')).rejects.toThrow('disk full');
    expect(pointWrites).toBe(3);
    expect(await registerSnapshot(db)).toBe(before);
    expect(await importScores(db, s.sessionId, file, 't')).toMatchObject({ created: 3 });
  });

  it('lets staff define the parts of an exam without a table, and once points exist only confirmed and where the points still fit', async () => {
    const db = test.handle.db;
    const s = await seedSession(db, { examCode: 'MATVL', candidates: 1 });
    await expect(defineParts(db, 't', s.examId, [{ maxPoints: 1, weight: '1.25' }])).resolves.toBeUndefined();
    await defineParts(db, 't', s.examId, [{ maxPoints: 40, weight: '1' }, { maxPoints: 20, weight: '1' }]);
    expect((await findExam(db, 'MATVL', 2025))!.parts.map((p) => p.max_points)).toEqual([40, 20]);
    await importScores(db, s.sessionId, csv(`candidate_code,took_part,part_1,part_2\n${s.candidateCodes[0]},yes,30,10`), 't');
    await expect(defineParts(db, 't', s.examId, [{ maxPoints: 50, weight: '1' }])).rejects.toBeInstanceOf(PartsChangeNeedsConfirmation);
    await expect(defineParts(db, 't', s.examId, [{ maxPoints: 50, weight: '1' }], { confirmScored: true })).rejects.toEqual(
      new CatalogueError('catalogue.parts-in-use'),
    );
  });

  it('refuses to start on a database migrated by newer code', async () => {
    await sql`insert into kysely_migration (name, timestamp) values ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`.execute(test.handle.db);
    await expect(migrateToLatest(test.handle)).rejects.toThrow(/newer than the code/);
  });
});

describe.each(DATABASE_KINDS)('demo data on %s', (kind) => {
  it('is deterministic for a seed, realistic, and covers the unusual cases', async () => {
    const digests: string[] = [];
    for (let run = 0; run < 2; run++) {
      const test = await openTestDatabase(kind);
      try {
        const db = test.handle.db;
        const summary = await generateDemo(db, { students: 600, seed: 7, latestYear: 2025 });
        expect(summary.years).toEqual([2022, 2023, 2024, 2025]);
        const persons = await db.selectFrom('persons').selectAll().orderBy('id').execute();
        const certificates = await db.selectFrom('certificates').select(['number', 'state', 'issued_on']).orderBy('id').execute();
        digests.push(createHash('sha256').update(JSON.stringify([persons, certificates])).digest('hex'));

        expect(persons.every((p) => parsePersonalCode(p.personal_code).ok)).toBe(true);
        expect(persons.some((p) => /[āčēģīķļņšūž]/i.test(p.first_name + p.last_name))).toBe(true);
        expect(certificates.every((c) => parseCertificateNumber(c.number))).toBe(true);
        const count = async (query: Promise<{ n: number }[]>) => Number((await query)[0]!.n);
        const n = sql<number>`count(*)`.as('n');
        expect(await count(db.selectFrom('registrations').select(n).where('exempted', '=', 1).execute())).toBeGreaterThan(0);
        expect(await count(db.selectFrom('registrations').select(n).where('international_certificate', 'is not', null).execute())).toBeGreaterThan(0);
        expect(await count(db.selectFrom('sittings').select(n).where('took_part', '=', 'no').execute())).toBeGreaterThan(0);
        expect(
          await count(db.selectFrom('registrations').innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id').select(n).where('term', '=', 'additional').execute()),
        ).toBeGreaterThan(0);
        expect(new Set(certificates.map((c) => c.issued_on.slice(0, 4)))).toEqual(new Set(['2023', '2024', '2025', '2026']));
        // Nobody who stayed away gets a certificate.
        const absentWithCertificate = await db
          .selectFrom('certificates')
          .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
          .select('certificates.id')
          .where('sittings.took_part', '=', 'no')
          .execute();
        expect(absentWithCertificate).toEqual([]);
        await expect(generateDemo(db, { students: 10 })).rejects.toMatchObject({ key: 'demo.not-empty' });
      } finally {
        await test.close();
      }
    }
    expect(digests[0]).toBe(digests[1]);
  });
});
