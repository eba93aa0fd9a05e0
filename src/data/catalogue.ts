/** The exam catalogue in the database: school years, exams with their parts, and the exam sessions of the calendar. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import { KeyedError } from '../errors.js';
import type { Database, Exam, ExamPart } from '../../db/schema.js';
import { CALENDAR, CATALOGUE, type CataloguePart } from '../domain/catalogue.js';
import { weightText } from '../domain/part-input.js';
import { audit } from './audit.js';
import { defaultReleaseMoments, isReleased, type Education } from '../domain/release.js';
import { parseWeight, unsoundReasons, type ScoringDefinition, type UnsoundReason, type WeightedPointsRule } from '../domain/scoring.js';

export async function ensureSchoolYear(db: Kysely<Database>, startYear: number): Promise<void> {
  const releases = defaultReleaseMoments(startYear);
  await db
    .insertInto('school_years')
    .values({
      start_year: startYear,
      basic_results_at: releases.basic.toISOString(),
      secondary_results_at: releases.secondary.toISOString(),
    })
    .onConflict((oc) => oc.column('start_year').doNothing())
    .execute();
}

/** What moving a release moment that has already passed touches: results students and schools may have seen. */
export interface ReleaseChangeImpact {
  education: Education;
  /** The moment being moved, already past. */
  current: string;
  sessions: number;
  /** Sittings with results in those sessions. */
  sittings: number;
  certificates: number;
}

/** A release moment that has passed is to be moved: the caller must confirm, knowing what it affects. */
export class ReleaseChangeNeedsConfirmation extends Error {
  constructor(readonly impacts: ReleaseChangeImpact[]) {
    super('a release moment that has passed is being moved');
    this.name = 'ReleaseChangeNeedsConfirmation';
  }
}

/**
 * Moves a school year's release moments (set from the defaults when the year is created). Moving one that has
 * already passed takes back or changes what students and schools have seen: unless `confirmPassed`, that is
 * refused with what it would affect (ReleaseChangeNeedsConfirmation).
 */
export async function setReleaseMoments(
  db: Kysely<Database>,
  actor: string,
  startYear: number,
  moments: { basic?: Date; secondary?: Date },
  options: { channel?: string; confirmPassed?: boolean; now?: Date } = {},
): Promise<{ basic: string; secondary: string }> {
  await ensureSchoolYear(db, startYear);
  const now = options.now ?? new Date();
  await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('school_years').selectAll().where('start_year', '=', startYear).executeTakeFirstOrThrow();
    const changes: { basic_results_at?: string; secondary_results_at?: string } = {};
    const passed: Education[] = [];
    for (const education of ['basic', 'secondary'] as const) {
      const moment = moments[education];
      const column = education === 'basic' ? 'basic_results_at' : 'secondary_results_at';
      if (!moment || moment.toISOString() === current[column]) continue;
      changes[column] = moment.toISOString();
      if (isReleased(new Date(current[column]), now)) passed.push(education);
    }
    if (passed.length > 0 && !options.confirmPassed) {
      throw new ReleaseChangeNeedsConfirmation(
        await Promise.all(passed.map(async (education) => ({ education, current: education === 'basic' ? current.basic_results_at : current.secondary_results_at, ...(await releaseImpact(trx, startYear, education)) }))),
      );
    }
    if (Object.keys(changes).length === 0) return;
    await trx.updateTable('school_years').set(changes).where('start_year', '=', startYear).execute();
    await audit(trx, { actor, channel: options.channel ?? 'cli', action: 'release.move', subject: `school-year:${startYear}`, details: changes }, now);
  });
  const row = await db.selectFrom('school_years').selectAll().where('start_year', '=', startYear).executeTakeFirstOrThrow();
  return { basic: row.basic_results_at, secondary: row.secondary_results_at };
}

async function releaseImpact(db: Kysely<Database>, startYear: number, education: Education): Promise<Omit<ReleaseChangeImpact, 'education' | 'current'>> {
  const row = await db
    .selectFrom('exam_sessions')
    .innerJoin('exams', 'exams.id', 'exam_sessions.exam_id')
    .leftJoin('registrations', 'registrations.session_id', 'exam_sessions.id')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .where('exams.school_year', '=', startYear)
    .where('exams.education', '=', education)
    .select([
      sql<number>`cast(count(distinct exam_sessions.id) as integer)`.as('sessions'),
      sql<number>`cast(count(distinct sittings.id) as integer)`.as('sittings'),
      sql<number>`cast(count(distinct certificates.id) as integer)`.as('certificates'),
    ])
    .executeTakeFirstOrThrow();
  return { sessions: Number(row.sessions), sittings: Number(row.sittings), certificates: Number(row.certificates) };
}

/** An arbitrary constant naming the catalogue installation's advisory lock. */
const CATALOGUE_LOCK_ID = 73_102_026;

/**
 * Puts the catalogue into one school year: every exam of the seed with the calendar moved to that year, and
 * each exam's parts and weighted-points rule copied from the previous school year where that year defined them
 * (parts staff set there, such as general-level mathematics, carry over), else from the seed. Exams and sittings
 * that exist already are left as they are, so running it again changes nothing.
 */
export async function installCatalogue(db: Kysely<Database>, startYear: number): Promise<{ exams: number; sessions: number }> {
  return db.transaction().execute(async (trx) => {
    // Instances starting together on a new PostgreSQL database take turns here (SQLite's write lock does it there).
    if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${CATALOGUE_LOCK_ID})`.execute(trx);
    await ensureSchoolYear(trx, startYear);
    let exams = 0;
    let sessions = 0;
    for (const definition of CATALOGUE) {
      const existing = await trx
        .selectFrom('exams')
        .select('id')
        .where('school_year', '=', startYear)
        .where('code', '=', definition.code)
        .executeTakeFirst();
      let examId = existing?.id;
      if (examId === undefined) {
        const previous = await previousYearDefinition(trx, startYear - 1, definition.code);
        const inserted = await trx
          .insertInto('exams')
          .values({
            school_year: startYear,
            code: definition.code,
            education: definition.education,
            level: definition.level,
            subject_lv: definition.subjectLv,
            subject_lv_locative: definition.subjectLvLocative,
            subject_en: definition.subjectEn,
            weighted_points_rule: previous?.weightedPointsRule ?? definition.weightedPointsRule,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        examId = inserted.id;
        exams++;
        await insertParts(trx, examId, previous?.parts ?? definition.parts);
      }
      for (const sitting of CALENDAR.filter((s) => s.examCode === definition.code)) {
        const year = startYear + 1;
        const result = await trx
          .insertInto('exam_sessions')
          .values({ exam_id: examId, term: sitting.term, starts_on: `${year}-${sitting.from}`, ends_on: `${year}-${sitting.to}` })
          .onConflict((oc) => oc.columns(['exam_id', 'term', 'starts_on']).doNothing())
          .executeTakeFirst();
        sessions += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
    }
    return { exams, sessions };
  });
}

/** The exam's parts and rule as the given school year defined them, if it has that exam with parts. */
async function previousYearDefinition(
  db: Kysely<Database>,
  schoolYear: number,
  code: string,
): Promise<{ weightedPointsRule: WeightedPointsRule; parts: CataloguePart[] } | undefined> {
  const exam = await db.selectFrom('exams').select(['id', 'weighted_points_rule']).where('school_year', '=', schoolYear).where('code', '=', code).executeTakeFirst();
  if (!exam) return undefined;
  const parts = await examParts(db, exam.id);
  if (parts.length === 0) return undefined;
  return {
    weightedPointsRule: exam.weighted_points_rule,
    parts: parts.map((p) => ({
      maxPoints: p.max_points,
      weight: weightText(p.weight_numerator, p.weight_denominator),
      ...(p.name_lv ? { nameLv: p.name_lv } : {}),
      ...(p.name_en ? { nameEn: p.name_en } : {}),
    })),
  };
}

async function insertParts(db: Transaction<Database> | Kysely<Database>, examId: number, parts: readonly CataloguePart[]) {
  if (parts.length === 0) return;
  await db
    .insertInto('exam_parts')
    .values(
      parts.map((part, i) => {
        const weight = parseWeight(part.weight);
        return {
          exam_id: examId,
          part_no: i + 1,
          max_points: part.maxPoints,
          weight_numerator: weight.numerator,
          weight_denominator: weight.denominator,
          name_lv: part.nameLv ?? null,
          name_en: part.nameEn ?? null,
        };
      }),
    )
    .execute();
}

export class CatalogueError extends KeyedError {}

/** The definition cannot be scored fairly; each reason names its part. */
export class UnsoundPartsError extends CatalogueError {
  constructor(readonly reasons: UnsoundReason[]) {
    super('catalogue.unsound-parts');
  }
}

/** What redefining an exam's parts touches: sessions with points entered, and the sittings scored in them. */
export interface PartsChangeImpact {
  sessions: number;
  sittings: number;
  certificates: number;
}

/** The exam has points already: redefining its parts must be confirmed, knowing what it affects. */
export class PartsChangeNeedsConfirmation extends CatalogueError {
  constructor(readonly impact: PartsChangeImpact) {
    super('agencyExams.errors.partsNeedConfirmation', { ...impact });
  }
}

export async function partsChangeImpact(db: Kysely<Database>, examId: number): Promise<PartsChangeImpact> {
  const row = await db
    .selectFrom('sittings')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .where('exam_sessions.exam_id', '=', examId)
    .where((eb) => eb.exists(eb.selectFrom('sitting_points').select('sitting_points.sitting_id').whereRef('sitting_points.sitting_id', '=', 'sittings.id')))
    .select([
      sql<number>`cast(count(distinct exam_sessions.id) as integer)`.as('sessions'),
      sql<number>`cast(count(distinct sittings.id) as integer)`.as('sittings'),
      sql<number>`cast(count(distinct certificates.id) as integer)`.as('certificates'),
    ])
    .executeTakeFirstOrThrow();
  return { sessions: Number(row.sessions), sittings: Number(row.sittings), certificates: Number(row.certificates) };
}

/**
 * Defines (or redefines) an exam's parts and, if given, its weighted-points rule. Refused with the reasons when
 * the definition is unsound. Once a sitting of the exam has points, the change must be confirmed
 * (`confirmScored`, else PartsChangeNeedsConfirmation), and even then is refused when a certificate has been
 * issued or when a stored score no longer fits (another number of parts, points above a new maximum): percentages
 * are computed from the definition, so the points must keep their meaning.
 */
export async function defineParts(
  db: Kysely<Database>,
  actor: string,
  examId: number,
  parts: readonly CataloguePart[],
  options: { weightedPointsRule?: WeightedPointsRule; confirmScored?: boolean; channel?: string } = {},
): Promise<void> {
  if (parts.length === 0 || parts.length > 20) throw new CatalogueError('catalogue.part-count');
  await db.transaction().execute(async (trx) => {
    const exam = await trx.selectFrom('exams').select('weighted_points_rule').where('id', '=', examId).executeTakeFirstOrThrow();
    const rule = options.weightedPointsRule ?? exam.weighted_points_rule;
    const definition = { weightedPointsRule: rule, parts: parts.map((p) => ({ maxPoints: p.maxPoints, weight: parseWeight(p.weight) })) };
    const reasons = unsoundReasons(definition);
    if (reasons.length > 0) throw new UnsoundPartsError(reasons);
    const impact = await partsChangeImpact(trx, examId);
    if (impact.sittings > 0) {
      if (!options.confirmScored) throw new PartsChangeNeedsConfirmation(impact);
      if (impact.certificates > 0 || !(await storedPointsFit(trx, examId, parts))) throw new CatalogueError('catalogue.parts-in-use');
    }
    await trx.deleteFrom('exam_parts').where('exam_id', '=', examId).execute();
    await insertParts(trx, examId, parts);
    if (rule !== exam.weighted_points_rule) await trx.updateTable('exams').set({ weighted_points_rule: rule }).where('id', '=', examId).execute();
    await audit(trx, { actor, channel: options.channel ?? 'cli', action: 'exam.define-parts', subject: `exam:${examId}`, details: { parts, weightedPointsRule: rule } });
  });
}

/** Whether every stored score of the exam has the new number of parts, each within its new maximum. */
async function storedPointsFit(db: Kysely<Database>, examId: number, parts: readonly CataloguePart[]): Promise<boolean> {
  const misfit = await db
    .selectFrom('sitting_points')
    .innerJoin('sittings', 'sittings.id', 'sitting_points.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .where('exam_sessions.exam_id', '=', examId)
    .where((eb) =>
      eb.or([
        eb('sitting_points.part_no', '>', parts.length),
        ...parts.map((p, i) => eb.and([eb('sitting_points.part_no', '=', i + 1), eb('sitting_points.points_hundredths', '>', p.maxPoints * 100)])),
      ]),
    )
    .select('sitting_points.sitting_id')
    .limit(1)
    .executeTakeFirst();
  if (misfit) return false;
  // A sitting scored on fewer parts than the new definition has would be incomplete.
  const short = await db
    .selectFrom('sittings')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
    .where('exam_sessions.exam_id', '=', examId)
    .where((eb) =>
      eb.and([
        eb.exists(eb.selectFrom('sitting_points').select('sitting_points.sitting_id').whereRef('sitting_points.sitting_id', '=', 'sittings.id')),
        eb(
          eb.selectFrom('sitting_points').select((e) => e.fn.countAll<number>().as('n')).whereRef('sitting_points.sitting_id', '=', 'sittings.id'),
          '<>',
          parts.length,
        ),
      ]),
    )
    .select('sittings.id')
    .limit(1)
    .executeTakeFirst();
  return !short;
}

/** Adds a sitting to the calendar of an exam; the same exam, term and first day twice is refused. */
export async function addExamSession(
  db: Kysely<Database>,
  actor: string,
  examId: number,
  sitting: { term: 'main' | 'additional'; startsOn: string; endsOn: string },
  channel = 'cli',
): Promise<number> {
  if (sitting.endsOn < sitting.startsOn) throw new CatalogueError('agencyExams.errors.sessionDates');
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('exam_sessions')
      .values({ exam_id: examId, term: sitting.term, starts_on: sitting.startsOn, ends_on: sitting.endsOn })
      .onConflict((oc) => oc.columns(['exam_id', 'term', 'starts_on']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw new CatalogueError('agencyExams.errors.sessionExists');
    await audit(trx, { actor, channel, action: 'exam.add-session', subject: `exam:${examId}`, details: sitting });
    return inserted.id;
  });
}

/** The school years the register knows, newest first. */
export async function schoolYears(db: Kysely<Database>): Promise<{ startYear: number; basicResultsAt: string; secondaryResultsAt: string }[]> {
  const rows = await db.selectFrom('school_years').selectAll().orderBy('start_year', 'desc').execute();
  return rows.map((r) => ({ startYear: r.start_year, basicResultsAt: r.basic_results_at, secondaryResultsAt: r.secondary_results_at }));
}

export interface CatalogueExamRow extends ExamWithParts {
  sessions: { id: number; term: 'main' | 'additional'; startsOn: string; endsOn: string }[];
}

/** One school year's exams with their parts and sittings, in code order. */
export async function catalogueOfYear(db: Kysely<Database>, schoolYear: number): Promise<CatalogueExamRow[]> {
  const exams = await db.selectFrom('exams').selectAll().where('school_year', '=', schoolYear).orderBy('education').orderBy('code').execute();
  if (exams.length === 0) return [];
  const ids = exams.map((e) => e.id);
  const [parts, sessions] = await Promise.all([
    db.selectFrom('exam_parts').selectAll().where('exam_id', 'in', ids).orderBy('exam_id').orderBy('part_no').execute(),
    db
      .selectFrom('exam_sessions')
      .select(['id', 'exam_id', 'term', 'starts_on', 'ends_on'])
      .where('exam_id', 'in', ids)
      .orderBy('starts_on')
      .orderBy('id')
      .execute(),
  ]);
  return exams.map((exam) => ({
    ...exam,
    parts: parts.filter((p) => p.exam_id === exam.id),
    sessions: sessions.filter((s) => s.exam_id === exam.id).map((s) => ({ id: s.id, term: s.term, startsOn: s.starts_on, endsOn: s.ends_on })),
  }));
}

/** An exam by id, with its parts. */
export async function examById(db: Kysely<Database>, examId: number): Promise<ExamWithParts | undefined> {
  const exam = await db.selectFrom('exams').selectAll().where('id', '=', examId).executeTakeFirst();
  return exam && { ...exam, parts: await examParts(db, exam.id) };
}

export interface ExamWithParts extends Exam {
  parts: ExamPart[];
}

/** An exam by code: in the given school year, or else in the newest year that has it. */
export async function findExam(db: Kysely<Database>, code: string, schoolYear?: number): Promise<ExamWithParts | undefined> {
  let query = db.selectFrom('exams').selectAll().where('code', '=', code.toUpperCase());
  if (schoolYear !== undefined) query = query.where('school_year', '=', schoolYear);
  const exam = await query.orderBy('school_year', 'desc').limit(1).executeTakeFirst();
  if (!exam) return undefined;
  return { ...exam, parts: await examParts(db, exam.id) };
}

export async function examParts(db: Kysely<Database>, examId: number): Promise<ExamPart[]> {
  return db.selectFrom('exam_parts').selectAll().where('exam_id', '=', examId).orderBy('part_no').execute();
}

export function scoringDefinition(exam: Pick<Exam, 'weighted_points_rule'>, parts: readonly ExamPart[]): ScoringDefinition {
  return {
    weightedPointsRule: exam.weighted_points_rule,
    parts: parts.map((p) => ({
      maxPoints: p.max_points,
      weight: { numerator: p.weight_numerator, denominator: p.weight_denominator },
    })),
  };
}

/** Points rows (ordered by sitting, then part) as each sitting's list of points in hundredths, in part order. */
export function groupPointsBySitting(rows: readonly { sitting_id: number; points_hundredths: number }[]): Map<number, number[]> {
  const bySitting = new Map<number, number[]>();
  for (const row of rows) {
    const list = bySitting.get(row.sitting_id);
    if (list) list.push(row.points_hundredths);
    else bySitting.set(row.sitting_id, [row.points_hundredths]);
  }
  return bySitting;
}
