/** Loading scores of one exam session from a file: all or nothing, idempotent, closed once certified. */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ScoringDefinition } from '../domain/scoring.js';
import { ImportRefused, readTable, validateScoreTable, type ImportProblem, type RawTable, type ScoreRow } from '../import/score-file.js';
import { audit } from './audit.js';
import { groupPointsBySitting, scoringDefinition } from './catalogue.js';
import { findExamSessionWithExam, lockExamSession } from './exam-sessions.js';
import { previewedFile, recordPreview, recordSavedImport, type UploadedBy } from './score-uploads.js';
import { KeyedError } from '../errors.js';

export interface ImportResult {
  sessionId: number;
  examCode: string;
  created: number;
  updated: number;
  unchanged: number;
}

interface ExistingSitting {
  registrationId: number;
  exempted: boolean;
  sittingId?: number;
  tookPart?: ScoreRow['tookPart'];
  points: number[];
  certified: boolean;
}

/** What a score file would do to a session: each row new, changed or unchanged, or every problem with its place. */
export interface ImportPlan {
  changes: { row: ScoreRow; current: ExistingSitting }[];
  /** Rows that would create a sitting (the candidate had no score yet). */
  created: number;
  unchanged: number;
  problems: ImportProblem[];
}

/**
 * The one check of a file against a session, for the preview and the import alike: the file's own rules
 * (validateScoreTable), then no change to a candidate who already has a certificate.
 */
async function planImport(db: Kysely<Database>, sessionId: number, table: RawTable, definition: ScoringDefinition): Promise<ImportPlan> {
  const existing = await loadSessionSittings(db, sessionId);
  let rows: ScoreRow[];
  try {
    rows = validateScoreTable(table, {
      parts: definition.parts,
      registered: new Map([...existing].map(([code, s]) => [code, { exempted: s.exempted }])),
    });
  } catch (error) {
    if (error instanceof ImportRefused) return { changes: [], created: 0, unchanged: 0, problems: error.problems };
    throw error;
  }
  const plan: ImportPlan = { changes: [], created: 0, unchanged: 0, problems: [] };
  for (const row of rows) {
    const current = existing.get(row.candidateCode)!;
    if (current.tookPart === row.tookPart && samePoints(current.points, row.points)) {
      plan.unchanged++;
    } else if (current.certified) {
      plan.problems.push({ row: row.row, key: 'import.row.certified', params: { value: row.candidateCode } });
    } else {
      plan.changes.push({ row, current });
      if (current.sittingId === undefined) plan.created++;
    }
  }
  return plan;
}

/** The session a file is for, refused when it does not exist or its exam has no parts yet. */
async function sessionForImport(db: Kysely<Database>, sessionId: number) {
  const session = await findExamSessionWithExam(db, sessionId);
  if (!session) throw new ImportRefused([{ key: 'session.unknown', params: { id: sessionId } }]);
  if (session.exam.parts.length === 0) {
    throw new ImportRefused([{ key: 'session.no-parts', params: { exam: session.exam.code } }]);
  }
  return session;
}

export interface ImportPreview {
  examCode: string;
  created: number;
  updated: number;
  unchanged: number;
  /** Every problem, with its row and column; empty when the file can be saved as it is. */
  problems: ImportProblem[];
}

/** What importing the file would do, changing nothing: the counts, or every problem. */
export async function previewScores(db: Kysely<Database>, sessionId: number, file: { bytes: Uint8Array; name: string }): Promise<ImportPreview> {
  const session = await sessionForImport(db, sessionId);
  let table: RawTable;
  try {
    table = await readTable(file.bytes, file.name);
  } catch (error) {
    if (error instanceof ImportRefused) return { examCode: session.exam.code, created: 0, updated: 0, unchanged: 0, problems: error.problems };
    throw error;
  }
  const plan = await planImport(db, sessionId, table, scoringDefinition(session.exam, session.exam.parts));
  return { examCode: session.exam.code, created: plan.created, updated: plan.changes.length - plan.created, unchanged: plan.unchanged, problems: plan.problems };
}

export async function importScores(
  db: Kysely<Database>,
  sessionId: number,
  file: { bytes: Uint8Array; name: string },
  actor: string,
  channel = 'cli',
  now = new Date(),
  /** The previewed upload (score_uploads) this import saves; without it the import adds its own history row. */
  history: { uploadId?: number; userId?: number } = {},
): Promise<ImportResult> {
  const session = await sessionForImport(db, sessionId);
  const table = await readTable(file.bytes, file.name);
  const definition = scoringDefinition(session.exam, session.exam.parts);

  return db.transaction().execute(async (trx) => {
    await lockExamSession(trx, sessionId);
    const plan = await planImport(trx, sessionId, table, definition);
    if (plan.problems.length > 0) throw new ImportRefused(plan.problems);
    const { changes, unchanged } = plan;

    const stamp = now.toISOString();
    let created = 0;
    for (const { row, current } of changes) {
      let sittingId = current.sittingId;
      if (sittingId === undefined) {
        const inserted = await trx
          .insertInto('sittings')
          .values({ registration_id: current.registrationId, took_part: row.tookPart, updated_at: stamp })
          .returning('id')
          .executeTakeFirstOrThrow();
        sittingId = inserted.id;
        created++;
      } else {
        await trx.updateTable('sittings').set({ took_part: row.tookPart, updated_at: stamp }).where('id', '=', sittingId).execute();
        await trx.deleteFrom('sitting_points').where('sitting_id', '=', sittingId).execute();
      }
      if (row.points.length > 0) {
        await trx
          .insertInto('sitting_points')
          .values(row.points.map((points, i) => ({ sitting_id: sittingId, part_no: i + 1, points_hundredths: points })))
          .execute();
      }
    }
    const result = {
      sessionId,
      examCode: session.exam.code,
      created,
      updated: changes.length - created,
      unchanged,
    };
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    await recordSavedImport(trx, { sessionId, actor, fileName: file.name, sha256, size: file.bytes.length, result, now, ...history });
    if (changes.length > 0) {
      await audit(trx, { actor, channel, action: 'scores.import', subject: `session:${sessionId}`, details: { file: file.name, sha256, ...result } }, now);
    }
    return result;
  });
}

function samePoints(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function loadSessionSittings(trx: Kysely<Database>, sessionId: number): Promise<Map<string, ExistingSitting>> {
  const rows = await trx
    .selectFrom('registrations')
    .innerJoin('candidates', 'candidates.id', 'registrations.candidate_id')
    .leftJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .leftJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .where('registrations.session_id', '=', sessionId)
    .select([
      'candidates.code',
      'registrations.id as registrationId',
      'registrations.exempted',
      'sittings.id as sittingId',
      'sittings.took_part as tookPart',
      'certificates.id as certificateId',
    ])
    .execute();
  const points = await trx
    .selectFrom('sitting_points')
    .innerJoin('sittings', 'sittings.id', 'sitting_points.sitting_id')
    .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
    .where('registrations.session_id', '=', sessionId)
    .select(['sitting_points.sitting_id', 'sitting_points.points_hundredths'])
    .orderBy('sitting_points.sitting_id')
    .orderBy('sitting_points.part_no')
    .execute();
  const pointsBySitting = groupPointsBySitting(points);
  return new Map(
    rows.map((r) => [
      r.code,
      {
        registrationId: r.registrationId,
        exempted: r.exempted === 1,
        sittingId: r.sittingId ?? undefined,
        tookPart: r.tookPart ?? undefined,
        points: r.sittingId ? (pointsBySitting.get(r.sittingId) ?? []) : [],
        certified: r.certificateId !== null,
      },
    ]),
  );
}

/** The previewed file is gone: saved already, expired, or someone else's. */
export class ScoreUploadGone extends KeyedError {}

/**
 * Checks a file uploaded in the pages and keeps it for "Save" (refused files only in the history): the upload id
 * and the preview. Nothing in the register changes.
 */
export async function previewScoreUpload(
  db: Kysely<Database>,
  sessionId: number,
  file: { bytes: Uint8Array; name: string },
  by: UploadedBy,
  now = new Date(),
): Promise<{ uploadId: number; preview: ImportPreview }> {
  const preview = await previewScores(db, sessionId, file);
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const uploadId = await recordPreview(db, { sessionId, by, fileName: file.name, sha256, content: file.bytes, counts: preview, problems: preview.problems }, now);
  return { uploadId, preview };
}

/**
 * Saves a previewed upload: the kept file (the uploader's own, not expired, still matching its SHA-256) goes
 * through the same import as any other, all rows or none, and its history row becomes "saved".
 */
export async function saveScoreUpload(db: Kysely<Database>, uploadId: number, by: UploadedBy & { userId: number }, now = new Date()): Promise<ImportResult> {
  const file = await previewedFile(db, uploadId, by.userId, now);
  if (!file || createHash('sha256').update(file.content).digest('hex') !== file.sha256) throw new ScoreUploadGone('agencyExams.scores.gone');
  return importScores(db, file.sessionId, { bytes: file.content, name: file.fileName }, by.actor, 'agency', now, { uploadId, userId: by.userId });
}
