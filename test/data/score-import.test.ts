import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueCertificates } from '../../src/data/certificates.js';
import { importScores } from '../../src/data/scores.js';
import { translator } from '../../src/i18n.js';
import { describeImportProblem } from '../../src/import/messages.js';
import { ImportRefused, type ImportProblem } from '../../src/import/score-file.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { registerSnapshot, seedSession, type SeededSession } from '../support/register.js';

const csv = (text: string) => ({ bytes: new TextEncoder().encode(text), name: 'scores.csv' });

async function xlsx(rows: (string | number | null)[][]): Promise<{ bytes: Uint8Array; name: string }> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Rezultāti');
  rows.forEach((r) => sheet.addRow(r));
  return { bytes: new Uint8Array(await workbook.xlsx.writeBuffer()), name: 'scores.xlsx' };
}

async function refusal(promise: Promise<unknown>): Promise<ImportProblem[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImportRefused) return error.problems;
    throw error;
  }
  throw new Error('the import was not refused');
}

describe.each(DATABASE_KINDS)('score import on %s', (kind) => {
  let test: TestDatabase;
  let s: SeededSession;
  beforeEach(async () => {
    test = await openTestDatabase(kind);
    s = await seedSession(test.handle.db, { examCode: 'LAT09', candidates: 4, exempted: [3] });
  });
  afterEach(async () => test.close());

  const goodCsv = () =>
    [
      'candidate_code;took_part;part_1;part_2;part_3',
      `${s.candidateCodes[0]};jā;28;21;19`,
      `${s.candidateCodes[1]};yes;50;30;20`,
      `${s.candidateCodes[2]};nē;;;`,
    ].join('\n');

  it('stores the scores of a valid file, and the same file again changes nothing', async () => {
    const db = test.handle.db;
    expect(await importScores(db, s.sessionId, csv(goodCsv()), 'tester')).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    const points = await db.selectFrom('sitting_points').select(['part_no', 'points_hundredths']).orderBy('sitting_id').orderBy('part_no').execute();
    expect(points.slice(0, 3).map((p) => p.points_hundredths)).toEqual([2800, 2100, 1900]);
    const before = await registerSnapshot(db);
    expect(await importScores(db, s.sessionId, csv(goodCsv()), 'tester')).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
    expect(await registerSnapshot(db)).toBe(before);
  });

  it('updates a corrected file until certificates are issued, then refuses changes but accepts the same scores', async () => {
    const db = test.handle.db;
    await importScores(db, s.sessionId, csv(goodCsv()), 'tester');
    const corrected = goodCsv().replace(';28;21;19', ';29;21;19');
    expect(await importScores(db, s.sessionId, csv(corrected), 'tester')).toMatchObject({ updated: 1, unchanged: 2 });

    const issued = await issueCertificates(db, s.sessionId, { actor: 'tester', issuedOn: '2026-06-17' });
    expect(issued).toMatchObject({ issued: 2, notEligible: 1 });
    const before = await registerSnapshot(db);
    const problems = await refusal(importScores(db, s.sessionId, csv(corrected.replace(';29;21;19', ';30;21;19')), 'tester'));
    expect(problems).toEqual([{ row: 2, key: 'import.row.certified', params: { value: s.candidateCodes[0] } }]);
    expect(await registerSnapshot(db)).toBe(before);
    expect(await importScores(db, s.sessionId, csv(corrected), 'tester')).toMatchObject({ unchanged: 3 });
  });

  it('reads XLSX files, Latvian headings and decimal commas', async () => {
    const file = await xlsx([
      ['Kārtotāja kods', 'Piedalījās', '1. daļa', '2. daļa', '3. daļa'],
      [s.candidateCodes[0]!, 'Jā', 28.5, '21,5', 19],
      [s.candidateCodes[1]!, 'daļēji', 10, null, null],
    ]);
    expect(await importScores(test.handle.db, s.sessionId, file, 'tester')).toMatchObject({ created: 2 });
    const points = await test.handle.db.selectFrom('sitting_points').select('points_hundredths').orderBy('sitting_id').orderBy('part_no').execute();
    expect(points.map((p) => p.points_hundredths)).toEqual([2850, 2150, 1900, 1000, 0, 0]);
  });

  describe('refuses a malformed file with row-level messages and leaves the database unchanged', () => {
    const cases: [string, () => Promise<{ bytes: Uint8Array; name: string }>, () => ImportProblem[]][] = [
      [
        'a wrong header',
        async () => csv(`candidate;took_part;part_1;part_2\n${s.candidateCodes[0]};yes;1;2`),
        () => [
          { row: 1, column: 'candidate', key: 'import.header.unexpected', params: { value: 'candidate' } },
          { row: 1, key: 'import.header.missing-candidate' },
          { row: 1, key: 'import.header.missing-parts', params: { parts: '3', count: 3 } },
        ],
      ],
      [
        'letters in points',
        async () => csv(`candidate_code,took_part,part_1,part_2,part_3\n${s.candidateCodes[0]},yes,2a,21,19`),
        () => [{ row: 2, column: 'part_1', key: 'import.row.points-not-number', params: { part: 1, value: '2a' } }],
      ],
      [
        'points over the maximum',
        async () => csv(`candidate_code,took_part,part_1,part_2,part_3\n${s.candidateCodes[0]},yes,28,21,19\n${s.candidateCodes[1]},yes,28,31,19`),
        () => [{ row: 3, column: 'part_2', key: 'import.row.points-range', params: { part: 2, value: '31', max: 30 } }],
      ],
      [
        'an unknown candidate code',
        async () => csv(`candidate_code,took_part,part_1,part_2,part_3\n999999999999,yes,28,21,19`),
        () => [{ row: 2, column: 'candidate_code', key: 'import.row.candidate-unknown', params: { value: '999999999999' } }],
      ],
      [
        'a duplicate row',
        async () => csv(`candidate_code,took_part,part_1,part_2,part_3\n${s.candidateCodes[0]},yes,28,21,19\n${s.candidateCodes[0]},yes,28,21,19`),
        () => [{ row: 3, column: 'candidate_code', key: 'import.row.candidate-duplicate', params: { value: s.candidateCodes[0]!, first: 2 } }],
      ],
      [
        'a truncated XLSX',
        async () => {
          const whole = await xlsx([['candidate_code', 'took_part', 'part_1', 'part_2', 'part_3'], [s.candidateCodes[0]!, 'yes', 1, 2, 3]]);
          return { bytes: whole.bytes.slice(0, Math.floor(whole.bytes.length / 2)), name: 'scores.xlsx' };
        },
        () => [{ key: 'import.file.unreadable-xlsx' }],
      ],
      [
        'an exempted candidate with points, and points for an absent one',
        async () => csv(`candidate_code,took_part,part_1,part_2,part_3\n${s.candidateCodes[3]},yes,1,1,1\n${s.candidateCodes[2]},no,5,,`),
        () => [
          { row: 2, column: 'took_part', key: 'import.row.exempted', params: { value: s.candidateCodes[3]! } },
          { row: 3, column: 'part_1', key: 'import.row.points-without-attendance', params: { value: '5' } },
        ],
      ],
      ['an empty file', async () => csv(''), () => [{ key: 'import.file.empty' }]],
      ['a header without rows', async () => csv('candidate_code,took_part,part_1,part_2,part_3\n'), () => [{ key: 'import.file.no-rows' }]],
      ['a file that is not UTF-8', async () => ({ bytes: new Uint8Array([0x6b, 0xe2, 0x72, 0x0a, 0xff]), name: 'x.csv' }), () => [{ key: 'import.file.not-utf8' }]],
    ];

    for (const [name, make, expected] of cases) {
      it(name, async () => {
        const db = test.handle.db;
        await importScores(db, s.sessionId, csv(goodCsv()), 'tester');
        const before = await registerSnapshot(db);
        const problems = await refusal(importScores(db, s.sessionId, await make(), 'tester'));
        expect(problems).toEqual(expected());
        expect(await registerSnapshot(db)).toBe(before);
      });
    }

    it('reports every bad row at once, with row, column and reason in Latvian and English', async () => {
      const file = csv(
        [
          'candidate_code,took_part,part_1,part_2,part_3',
          `${s.candidateCodes[0]},maybe,28,21,19`,
          `${s.candidateCodes[1]},yes,51,21,`,
          `12345,yes,1,1,1`,
        ].join('\n'),
      );
      const problems = await refusal(importScores(test.handle.db, s.sessionId, file, 'tester'));
      expect(problems).toHaveLength(4);
      const en = problems.map((p) => describeImportProblem(p, translator('en')));
      const lv = problems.map((p) => describeImportProblem(p, translator('lv')));
      expect(en).toEqual([
        'Row 2, column “took_part”: “maybe”: write yes, no or partly.',
        'Row 3, column “part_1”: part 1: 51 is outside the allowed range 0–50.',
        'Row 3, column “part_3”: part 3: points are missing.',
        'Row 4, column “candidate_code”: “12345” is not a candidate code (12 digits).',
      ]);
      expect(lv[1]).toBe("3. rinda, kolonna „part_1“: 1. daļā 51 ir ārpus atļautā diapazona 0–50.");
      expect(await test.handle.db.selectFrom('sittings').select('id').execute()).toEqual([]);
    });
  });

  it('refuses a session whose exam has no parts defined yet', async () => {
    const general = await seedSession(test.handle.db, { examCode: 'MATVL', candidates: 1 });
    const problems = await refusal(importScores(test.handle.db, general.sessionId, csv('candidate_code,took_part\n'), 'tester'));
    expect(problems).toEqual([{ key: 'session.no-parts', params: { exam: 'MATVL' } }]);
  });

  it('refuses a file larger than the limit before reading it', async () => {
    const huge = { bytes: new Uint8Array(10 * 1024 * 1024 + 1), name: 'big.csv' };
    expect(await refusal(importScores(test.handle.db, s.sessionId, huge, 'tester'))).toEqual([{ key: 'import.file.too-large', params: { max: 10 } }]);
  });
});
