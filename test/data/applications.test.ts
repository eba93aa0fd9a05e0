import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/connect.js';
import {
  applicationById,
  applicationsOfPerson,
  ApplicationError,
  ApplicationRefused,
  ensureDefaultWindows,
  saveApplication,
  setApplicationStatus,
  setApplicationWindow,
  withdrawApplication,
  type ApplicationActor,
} from '../../src/data/applications.js';
import { installCatalogue } from '../../src/data/catalogue.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';

const YEAR = 2026;
const OPEN = rigaToInstant({ year: 2026, month: 12, day: 8, hour: 12, minute: 0 });
const AFTER = rigaToInstant({ year: 2026, month: 12, day: 16, hour: 0, minute: 0 });
const student: ApplicationActor = { kind: 'student', name: 'Līga Bērziņa', audit: 'student:080108-*****' };
const agency: ApplicationActor = { kind: 'agency', name: 'Aiga Aģentūra (VIAA)', audit: 'staff:1' };
let counter = Math.floor(Math.random() * 50_000) + 200_000;

async function seedPeople(t: TestDatabase, count: number) {
  const db = t.handle.db;
  await installCatalogue(db, YEAR);
  await ensureDefaultWindows(db, YEAR, 'test');
  const n = ++counter;
  const school = await db
    .insertInto('institutions')
    .values({ registration_number: `41${String(n).padStart(8, '0')}`, name: `Testa ģimnāzija ${n}`, municipality: 'Rīga' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const people: number[] = [];
  for (let i = 0; i < count; i++) {
    const person = await db
      .insertInto('persons')
      .values({ personal_code: validPersonalCode(++counter), first_name: 'Līga', last_name: `Bērziņa-${counter}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    people.push(person.id);
  }
  return { institutionId: school.id, people };
}

function input(personId: number, institutionId: number, examCodes: string[], key: string) {
  return { personId, schoolYear: YEAR, institutionId, group: 'secondary' as const, examCodes, idempotencyKey: key, actor: student, channel: 'test' };
}

describe.each(DATABASE_KINDS)('applications on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(async () => t.close());

  it('creates the candidate code and one registration per exam, and a retried POST changes nothing', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const first = await saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATAL', 'ANGOL'], 'key-a1'), OPEN);
    expect(first.outcome).toBe('created');
    const again = await saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATAL', 'ANGOL'], 'key-a1'), OPEN);
    expect(again).toEqual({ applicationId: first.applicationId, outcome: 'repeated' });

    const candidates = await db.selectFrom('candidates').select('code').where('person_id', '=', people[0]!).execute();
    expect(candidates).toHaveLength(1);
    expect(candidates[0]!.code).toMatch(/^\d{12}$/);
    const registrations = await db
      .selectFrom('registrations')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .select('exams.code')
      .where('candidates.person_id', '=', people[0]!)
      .orderBy('exams.code')
      .execute();
    expect(registrations.map((r) => r.code)).toEqual(['ANGOL', 'LATOL', 'MATAL']);

    const view = await applicationById(db, first.applicationId, { personId: people[0]! });
    expect(view?.status).toBe('submitted');
    expect(view?.lines.map((l) => l.code).sort()).toEqual(['ANGOL', 'LATOL', 'MATAL']);
    expect(view?.lines.find((l) => l.code === 'MATAL')?.startTime).toBe('10:00');
    expect(view?.candidateCode).toBe(candidates[0]!.code);
  });

  it('changes a level and withdraws an exam, moving the registrations with them, and records the history', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const { applicationId } = await saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATOL', 'ANGOL'], 'key-b1'), OPEN);
    const changed = await saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATAL'], 'key-b2'), OPEN);
    expect(changed.outcome).toBe('changed');
    const codes = await db
      .selectFrom('registrations')
      .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
      .select('exams.code')
      .where('candidates.person_id', '=', people[0]!)
      .orderBy('exams.code')
      .execute();
    expect(codes.map((r) => r.code)).toEqual(['LATOL', 'MATAL']);
    const view = (await applicationById(db, applicationId, { personId: people[0]! }))!;
    expect(view.changes.map((c) => c.action)).toEqual(['submitted', 'changed']);
    expect(view.changes[1]!.details).toEqual({ added: [], removed: ['ANGOL'], levels: [['MATOL', 'MATAL']] });
  });

  it('refuses two levels of a subject, an exam not offered, and an exam applied for elsewhere, with every reason', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const error = await saveApplication(db, input(people[0]!, institutionId, ['MATOL', 'MATAL', 'LAT09'], 'key-c1'), OPEN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationRefused);
    expect((error as ApplicationRefused).refusals.map((r) => r.key).sort()).toEqual(['apply.refused.not-offered', 'apply.refused.one-level']);
    expect(await db.selectFrom('applications').select('id').where('person_id', '=', people[0]!).execute()).toEqual([]);

    await saveApplication(db, input(people[0]!, institutionId, ['ANGOL'], 'key-c2'), OPEN);
    const other = await seedPeople(t, 0);
    const elsewhere = await saveApplication(db, input(people[0]!, other.institutionId, ['ANGAL'], 'key-c3'), OPEN).catch((e: unknown) => e);
    expect((elsewhere as ApplicationRefused).refusals.map((r) => r.key)).toEqual(['apply.refused.once-per-year']);
  });

  it('after the window only agency staff change an application, and only with a reason', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const { applicationId } = await saveApplication(db, input(people[0]!, institutionId, ['LATOL'], 'key-d1'), OPEN);
    await expect(saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATOL'], 'key-d2'), AFTER)).rejects.toMatchObject({ key: 'apply.window.closed' });
    await expect(saveApplication(db, { ...input(people[0]!, institutionId, ['LATOL', 'MATOL'], 'key-d3'), actor: agency }, AFTER)).rejects.toMatchObject({
      key: 'apply.late.reason-required',
    });
    const late = await saveApplication(db, { ...input(people[0]!, institutionId, ['LATOL', 'MATOL'], 'key-d4'), actor: agency, lateReason: 'Skolas iesniegums Nr. 12' }, AFTER);
    expect(late.outcome).toBe('changed');
    const view = (await applicationById(db, applicationId, { agency: true }))!;
    expect(view.changes.at(-1)).toMatchObject({ actor: 'Aiga Aģentūra (VIAA)', actorKind: 'agency', late: true, reason: 'Skolas iesniegums Nr. 12' });
    await expect(withdrawApplication(db, { applicationId, scope: { personId: people[0]! }, idempotencyKey: 'key-d5', actor: student, channel: 'test' }, AFTER)).rejects.toBeInstanceOf(
      ApplicationError,
    );
  });

  it('before the window opens nobody but the agency applies', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const before = rigaToInstant({ year: 2026, month: 12, day: 5, hour: 9, minute: 59 });
    await expect(saveApplication(db, input(people[0]!, institutionId, ['LATOL'], 'key-e1'), before)).rejects.toMatchObject({ key: 'apply.window.not-open' });
    await setApplicationWindow(
      db,
      { schoolYear: YEAR, group: 'external', window: { opensAt: new Date('2026-12-01T08:00:00Z'), closesAt: new Date('2026-12-20T21:59:00Z') }, actor: 'staff:1', channel: 'test' },
      before,
    );
    await expect(
      setApplicationWindow(db, { schoolYear: YEAR, group: 'external', window: { opensAt: new Date('2026-12-20T08:00:00Z'), closesAt: new Date('2026-12-01T21:59:00Z') }, actor: 'staff:1', channel: 'test' }),
    ).rejects.toMatchObject({ key: 'apply.window.order' });
  });

  it('a student reads and withdraws only their own application', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 2);
    const mine = await saveApplication(db, input(people[0]!, institutionId, ['LATOL'], 'key-f1'), OPEN);
    expect(await applicationById(db, mine.applicationId, { personId: people[1]! })).toBeUndefined();
    expect(await applicationById(db, mine.applicationId, { institutionId: institutionId + 100000 })).toBeUndefined();
    await expect(
      withdrawApplication(db, { applicationId: mine.applicationId, scope: { personId: people[1]! }, idempotencyKey: 'key-f2', actor: student, channel: 'test' }, OPEN),
    ).rejects.toMatchObject({ key: 'apply.not-found' });
    const withdrawn = await withdrawApplication(db, { applicationId: mine.applicationId, scope: { personId: people[0]! }, idempotencyKey: 'key-f3', actor: student, channel: 'test' }, OPEN);
    expect(withdrawn.outcome).toBe('withdrawn');
    const [view] = await applicationsOfPerson(db, people[0]!, YEAR);
    expect(view).toMatchObject({ status: 'withdrawn', lines: [] });
    const registrations = await db.selectFrom('registrations').innerJoin('candidates', 'candidates.id', 'registrations.candidate_id').select('registrations.id').where('candidates.person_id', '=', people[0]!).execute();
    expect(registrations).toEqual([]);
  });

  it('the school checks and the agency registers, each in the history', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 1);
    const { applicationId } = await saveApplication(db, input(people[0]!, institutionId, ['LATOL'], 'key-g1'), OPEN);
    await expect(
      setApplicationStatus(db, { applicationId, scope: { institutionId: institutionId + 1 }, status: 'checked', actor: { kind: 'school', name: 'X', audit: 'staff:2' }, channel: 'test' }),
    ).rejects.toMatchObject({ key: 'apply.not-found' });
    await setApplicationStatus(db, { applicationId, scope: { institutionId }, status: 'checked', actor: { kind: 'school', name: 'Inese Ozoliņa', audit: 'staff:2' }, channel: 'test' }, OPEN);
    await setApplicationStatus(db, { applicationId, scope: { agency: true }, status: 'registered', actor: agency, channel: 'test' }, OPEN);
    const view = (await applicationById(db, applicationId, { personId: people[0]! }))!;
    expect(view.status).toBe('registered');
    expect(view.changes.map((c) => [c.action, c.actor])).toEqual([
      ['submitted', 'Līga Bērziņa'],
      ['checked', 'Inese Ozoliņa'],
      ['registered', 'Aiga Aģentūra (VIAA)'],
    ]);
  });

  // Several instances share one database only on PostgreSQL (an embedded SQLite file serves one process).
  if (kind === 'postgres') {
    it('two instances submitting one application at once leave one application and one registration per exam', async () => {
      const db = t.handle.db;
      const { institutionId, people } = await seedPeople(t, 1);
      // A second connection pool to the same schema: another instance.
      const schema = (await db.selectFrom('school_years').select(db.fn('current_schema', []).as('schema')).executeTakeFirstOrThrow()).schema as string;
      const other = openDatabase({ url: process.env.TEST_DATABASE_URL!, schema, poolSize: 2 });
      try {
        for (let round = 0; round < 5; round++) {
          const [a, b] = await Promise.all([
            saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATOL'], `race-${round}`), OPEN),
            saveApplication(other.db, input(people[0]!, institutionId, ['LATOL', 'MATOL'], `race-${round}`), OPEN),
          ]);
          expect(a.applicationId).toBe(b.applicationId);
          expect([a.outcome, b.outcome]).toContain('repeated');
        }
        // Two different forms at once (two tabs): still one application, one candidate code, one registration each.
        await Promise.all([
          saveApplication(db, input(people[0]!, institutionId, ['LATOL', 'MATAL'], 'tab-1'), OPEN),
          saveApplication(other.db, input(people[0]!, institutionId, ['LATOL', 'MATAL'], 'tab-2'), OPEN),
        ]);
        const applications = await db.selectFrom('applications').select('id').where('person_id', '=', people[0]!).execute();
        expect(applications).toHaveLength(1);
        const candidates = await db.selectFrom('candidates').select('id').where('person_id', '=', people[0]!).execute();
        expect(candidates).toHaveLength(1);
        const registrations = await db
          .selectFrom('registrations')
          .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
          .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
          .select('exams.code')
          .where('registrations.candidate_id', '=', candidates[0]!.id)
          .orderBy('exams.code')
          .execute();
        expect(registrations.map((r) => r.code)).toEqual(['LATOL', 'MATAL']);
      } finally {
        await other.db.destroy();
      }
    });
  }

  it('gives people applying at one school at once distinct candidate codes', async () => {
    const db = t.handle.db;
    const { institutionId, people } = await seedPeople(t, 6);
    await Promise.all(people.map((personId, i) => saveApplication(db, input(personId, institutionId, ['LATOL'], `many-${i}`), OPEN)));
    const codes = await db.selectFrom('candidates').select('code').where('institution_id', '=', institutionId).execute();
    expect(new Set(codes.map((c) => c.code)).size).toBe(6);
  });
});
