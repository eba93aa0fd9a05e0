/** The exam catalogue in the database: school years, exams with their parts, and the exam sessions of the calendar. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { isPostgres } from '../../db/dialect.js';
import { KeyedError } from '../errors.js';
import type { Database, Exam, ExamPart } from '../../db/schema.js';
import { CALENDAR, CATALOGUE, type CataloguePart } from '../domain/catalogue.js';
import { audit } from './audit.js';
import { defaultReleaseMoments } from '../domain/release.js';
import { isSoundDefinition, parseWeight, type ScoringDefinition } from '../domain/scoring.js';

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

/** Moves a school year's release moments (set from the defaults when the year is created). */
export async function setReleaseMoments(
  db: Kysely<Database>,
  actor: string,
  startYear: number,
  moments: { basic?: Date; secondary?: Date },
): Promise<{ basic: string; secondary: string }> {
  await ensureSchoolYear(db, startYear);
  const changes: { basic_results_at?: string; secondary_results_at?: string } = {};
  if (moments.basic) changes.basic_results_at = moments.basic.toISOString();
  if (moments.secondary) changes.secondary_results_at = moments.secondary.toISOString();
  if (Object.keys(changes).length > 0) {
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('school_years').set(changes).where('start_year', '=', startYear).execute();
      await audit(trx, { actor, channel: 'cli', action: 'release.move', subject: `school-year:${startYear}`, details: changes });
    });
  }
  const row = await db.selectFrom('school_years').selectAll().where('start_year', '=', startYear).executeTakeFirstOrThrow();
  return { basic: row.basic_results_at, secondary: row.secondary_results_at };
}

/** An arbitrary constant naming the catalogue installation's advisory lock. */
const CATALOGUE_LOCK_ID = 73_102_026;

/**
 * Puts the seed's catalogue into one school year: every exam with its parts and the calendar moved to that
 * year. Exams and sittings that exist already are left as they are, so running it again changes nothing.
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
            weighted_points_rule: definition.weightedPointsRule,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        examId = inserted.id;
        exams++;
        await insertParts(trx, examId, definition.parts);
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

/**
 * Defines (or redefines) an exam's parts, as agency staff do for an exam the seed gives no table for.
 * Refused once any sitting of the exam has points, since the points would lose their meaning.
 */
export async function defineParts(db: Kysely<Database>, actor: string, examId: number, parts: readonly CataloguePart[]): Promise<void> {
  if (parts.length === 0 || parts.length > 20) throw new CatalogueError('catalogue.part-count');
  await db.transaction().execute(async (trx) => {
    const exam = await trx.selectFrom('exams').select('weighted_points_rule').where('id', '=', examId).executeTakeFirstOrThrow();
    const definition = {
      weightedPointsRule: exam.weighted_points_rule,
      parts: parts.map((p) => ({ maxPoints: p.maxPoints, weight: parseWeight(p.weight) })),
    };
    if (!isSoundDefinition(definition)) throw new CatalogueError('catalogue.unsound-parts');
    const scored = await trx
      .selectFrom('sitting_points')
      .innerJoin('sittings', 'sittings.id', 'sitting_points.sitting_id')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .innerJoin('exam_sessions', 'exam_sessions.id', 'registrations.session_id')
      .where('exam_sessions.exam_id', '=', examId)
      .select('sitting_points.sitting_id')
      .limit(1)
      .executeTakeFirst();
    if (scored) throw new CatalogueError('catalogue.parts-in-use');
    await trx.deleteFrom('exam_parts').where('exam_id', '=', examId).execute();
    await insertParts(trx, examId, parts);
    await audit(trx, { actor, channel: 'cli', action: 'exam.define-parts', subject: `exam:${examId}`, details: { parts } });
  });
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
