/** Loading scores of one exam session from a file: all or nothing, idempotent, closed once certified. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ImportRefused, readTable, validateScoreTable, type ImportProblem, type ScoreRow } from '../import/score-file.js';
import { audit } from './audit.js';
import { groupPointsBySitting, scoringDefinition } from './catalogue.js';
import { findExamSessionWithExam, lockExamSession } from './exam-sessions.js';

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

export async function importScores(
  db: Kysely<Database>,
  sessionId: number,
  file: { bytes: Uint8Array; name: string },
  actor: string,
  channel = 'cli',
  now = new Date(),
): Promise<ImportResult> {
  const session = await findExamSessionWithExam(db, sessionId);
  if (!session) throw new ImportRefused([{ key: 'session.unknown', params: { id: sessionId } }]);
  if (session.exam.parts.length === 0) {
    throw new ImportRefused([{ key: 'session.no-parts', params: { exam: session.exam.code } }]);
  }
  const table = await readTable(file.bytes, file.name);
  const definition = scoringDefinition(session.exam, session.exam.parts);

  return db.transaction().execute(async (trx) => {
    await lockExamSession(trx, sessionId);
    const existing = await loadSessionSittings(trx, sessionId);
    const rows = validateScoreTable(table, {
      parts: definition.parts,
      registered: new Map([...existing].map(([code, s]) => [code, { exempted: s.exempted }])),
    });

    const problems: ImportProblem[] = [];
    const changes: { row: ScoreRow; current: ExistingSitting }[] = [];
    let unchanged = 0;
    for (const row of rows) {
      const current = existing.get(row.candidateCode)!;
      if (current.tookPart === row.tookPart && samePoints(current.points, row.points)) {
        unchanged++;
      } else if (current.certified) {
        problems.push({ row: row.row, key: 'import.row.certified', params: { value: row.candidateCode } });
      } else {
        changes.push({ row, current });
      }
    }
    if (problems.length > 0) throw new ImportRefused(problems);

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
    if (changes.length > 0) {
      await audit(trx, { actor, channel, action: 'scores.import', subject: `session:${sessionId}`, details: { file: file.name, ...result } }, now);
    }
    return result;
  });
}

function samePoints(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function loadSessionSittings(trx: Transaction<Database>, sessionId: number): Promise<Map<string, ExistingSitting>> {
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
