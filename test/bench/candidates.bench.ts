/**
 * The candidates table's cost at real size: `npm run bench:candidates [-- --school 500 --all 20000 --runs 50]`
 * (`DATABASE_URL=postgres://…` for PostgreSQL; a schema of its own is made and dropped).
 *
 * One exam session with one school of `--school` candidates and, beside it, `--all` candidates of other schools.
 * Timed, as the median of `--runs`: a page of 50 in Latvian order for the school (the light list of the whole
 * school ordered by Intl.Collator, then 50 full rows by id) and for the agency over all schools, the whole school's
 * list (print view, CSV), a search, and, for comparison, the database's own ORDER BY last_name LIMIT 50 (byte
 * order, not Latvian).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/connect.js';
import { installCatalogue, findExam } from '../../src/data/catalogue.js';
import { listCandidates, type CandidateQuery } from '../../src/data/candidates.js';
import { examSessionInScope } from '../../src/data/exam-sessions.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { oldFormCode } from '../../src/domain/personal-code.js';

const { values } = parseArgs({
  options: { school: { type: 'string', default: '500' }, all: { type: 'string', default: '20000' }, runs: { type: 'string', default: '50' } },
});
const schoolSize = Number(values.school);
const othersSize = Number(values.all);
const runs = Number(values.runs);

const SURNAMES = ['Bērziņš', 'Kalniņš', 'Ozoliņš', 'Jansons', 'Ābols', 'Žagars', 'Zvaigzne', 'Čakste', 'Ķēniņš', 'Liepa', 'Šteins', 'Ūdre'];
const FIRST = ['Anna', 'Ārija', 'Jānis', 'Līga', 'Žanis', 'Edgars'];

const used = new Set<string>();
/** A valid personal code no one else in the bench has. */
function uniqueCode(i: number): string {
  for (let serial = 0; ; serial++) {
    const code = oldFormCode({ year: 1990 + (i % 20), month: 1 + (i % 12), day: 1 + (Math.floor(i / 12) % 28) }, serial);
    if (code && !used.has(code)) {
      used.add(code);
      return code;
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-candidates-'));
const url = process.env.DATABASE_URL ?? join(dir, 'bench.db');
const schema = process.env.DATABASE_URL ? `bench_candidates_${process.pid}` : undefined;
if (schema) {
  const admin = openDatabase({ url });
  await admin.db.schema.createSchema(schema).execute();
  await admin.db.destroy();
}
const handle = openDatabase({ url, ...(schema ? { schema } : {}) });
try {
  await prepareDatabase(handle);
  const db = handle.db;
  await installCatalogue(db, 2025);
  const exam = (await findExam(db, 'LAT09', 2025))!;
  const session = await db.selectFrom('exam_sessions').select('id').where('exam_id', '=', exam.id).where('term', '=', 'main').executeTakeFirstOrThrow();
  const schools = await db
    .insertInto('institutions')
    .values([
      { registration_number: '4000000001', name: 'Mērītā skola', municipality: 'Rīga' },
      { registration_number: '4000000002', name: 'Citas skolas', municipality: 'Rīga' },
    ])
    .returning('id')
    .execute();
  let n = 0;
  for (const [institution, count] of [
    [schools[0]!.id, schoolSize],
    [schools[1]!.id, othersSize],
  ] as const) {
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, () => ++n);
      const persons = await db
        .insertInto('persons')
        .values(
          batch.map((i) => {
            return {
              personal_code: uniqueCode(i),
              first_name: FIRST[i % FIRST.length]!,
              last_name: `${SURNAMES[i % SURNAMES.length]}-${i}`,
            };
          }),
        )
        .returning('id')
        .execute();
      const candidates = await db
        .insertInto('candidates')
        .values(
          persons.map((p, k) => ({
            code: `9${String(batch[k]).padStart(11, '0')}`,
            person_id: p.id,
            school_year: 2025,
            institution_id: institution,
            class_name: '9.a',
          })),
        )
        .returning('id')
        .execute();
      await db
        .insertInto('registrations')
        .values(candidates.map((c) => ({ session_id: session.id, candidate_id: c.id, applied_at: '2025-12-01T10:00:00.000Z' })))
        .execute();
    }
  }
  const examSession = (await examSessionInScope(db, session.id, null))!;
  const base: CandidateQuery = { institutionId: schools[0]!.id, viewer: 'agency', now: new Date(), filter: 'registered', sort: 'lastName', direction: 'asc' };

  async function median(label: string, work: () => Promise<unknown>) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await work();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    console.log(`${label}: ${times[Math.floor(times.length / 2)]!.toFixed(2)} ms (median of ${runs})`);
  }

  console.log(`${process.env.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}: a school of ${schoolSize}, ${othersSize} candidates of other schools`);
  await median('school, page 3 of 50 in Latvian order', () => listCandidates(db, examSession, { ...base, page: { number: 3, size: 50 } }));
  await median('school, whole list in Latvian order (print, CSV)', () => listCandidates(db, examSession, base));
  await median('school, search "zagars"', () => listCandidates(db, examSession, { ...base, search: 'zagars', page: { number: 1, size: 50 } }));
  await median(`agency, all ${schoolSize + othersSize}, page 3 of 50 in Latvian order`, () =>
    listCandidates(db, examSession, { ...base, institutionId: null, page: { number: 3, size: 50 } }),
  );
  await median('school, database ORDER BY last_name LIMIT 50 (byte order; comparison only)', () =>
    db
      .selectFrom('registrations')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .innerJoin('persons', 'persons.id', 'candidates.person_id')
      .select(['registrations.id', 'persons.last_name'])
      .where('registrations.session_id', '=', session.id)
      .where('candidates.institution_id', '=', schools[0]!.id)
      .orderBy('persons.last_name')
      .limit(50)
      .offset(100)
      .execute(),
  );
} finally {
  if (schema) await handle.db.schema.dropSchema(schema).ifExists().cascade().execute();
  await handle.db.destroy();
  rmSync(dir, { recursive: true, force: true });
}
