/**
 * The import history: every score file loaded for a session (who, when, its name and SHA-256, what it changed or
 * why it was refused), through the pages or the command line. A file previewed in the pages is kept here,
 * found again by its upload id and checked against its SHA-256, until it is saved or its short time is over
 * (housekeeping then removes the file and keeps the history row).
 */
import type { Kysely } from 'kysely';
import type { Database, ScoreUpload, ScoreUploadStatus } from '../../db/schema.js';
import type { ImportProblem } from '../import/score-file.js';

/** How long a previewed file waits for "Save". */
export const SCORE_UPLOAD_KEEP_MS = 60 * 60_000;

export interface UploadedBy {
  actor: string;
  userId: number | null;
}

/** Keeps a previewed file: refused ones without their content (nothing can save them), others until saved or expired. */
export async function recordPreview(
  db: Kysely<Database>,
  upload: {
    sessionId: number;
    by: UploadedBy;
    fileName: string;
    sha256: string;
    content: Uint8Array;
    counts: { created: number; updated: number; unchanged: number };
    problems: ImportProblem[];
  },
  now = new Date(),
): Promise<number> {
  const refused = upload.problems.length > 0;
  const row = await db
    .insertInto('score_uploads')
    .values({
      session_id: upload.sessionId,
      actor: upload.by.actor,
      user_id: upload.by.userId,
      file_name: upload.fileName,
      sha256: upload.sha256,
      file_size: upload.content.length,
      content: refused ? null : upload.content,
      status: refused ? 'refused' : 'previewed',
      rows_new: upload.counts.created,
      rows_changed: upload.counts.updated,
      rows_unchanged: upload.counts.unchanged,
      problems: refused ? JSON.stringify(upload.problems) : null,
      uploaded_at: now.toISOString(),
      expires_at: refused ? null : new Date(now.getTime() + SCORE_UPLOAD_KEEP_MS).toISOString(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Records a saved import, in the import's own transaction: the previewed upload becomes saved (its file is no
 * longer kept), or, for an import without a preview (the command line), a history row of its own.
 */
export async function recordSavedImport(
  trx: Kysely<Database>,
  saved: {
    sessionId: number;
    actor: string;
    userId?: number;
    uploadId?: number;
    fileName: string;
    sha256: string;
    size: number;
    result: { created: number; updated: number; unchanged: number };
    now: Date;
  },
): Promise<void> {
  const counts = { rows_new: saved.result.created, rows_changed: saved.result.updated, rows_unchanged: saved.result.unchanged };
  const at = saved.now.toISOString();
  if (saved.uploadId !== undefined) {
    await trx
      .updateTable('score_uploads')
      .set({ ...counts, status: 'saved', saved_at: at, content: null, expires_at: null })
      .where('id', '=', saved.uploadId)
      .execute();
    return;
  }
  await trx
    .insertInto('score_uploads')
    .values({
      session_id: saved.sessionId,
      actor: saved.actor,
      user_id: saved.userId ?? null,
      file_name: saved.fileName,
      sha256: saved.sha256,
      file_size: saved.size,
      content: null,
      status: 'saved',
      ...counts,
      uploaded_at: at,
      saved_at: at,
    })
    .execute();
}

export interface ScoreUploadView {
  id: number;
  sessionId: number;
  fileName: string;
  sha256: string;
  fileSize: number;
  status: ScoreUploadStatus;
  created: number;
  updated: number;
  unchanged: number;
  problems: ImportProblem[];
  uploadedAt: string;
  savedAt: string | null;
  expiresAt: string | null;
  /** The staff member's name, or the actor as the audit log names them (the command line). */
  uploadedBy: string;
  userId: number | null;
}

function toView(row: ScoreUpload & { display_name: string | null }): ScoreUploadView {
  return {
    id: row.id,
    sessionId: row.session_id,
    fileName: row.file_name,
    sha256: row.sha256,
    fileSize: row.file_size,
    status: row.status,
    created: row.rows_new,
    updated: row.rows_changed,
    unchanged: row.rows_unchanged,
    problems: row.problems ? (JSON.parse(row.problems) as ImportProblem[]) : [],
    uploadedAt: row.uploaded_at,
    savedAt: row.saved_at,
    expiresAt: row.expires_at,
    uploadedBy: row.display_name ?? row.actor,
    userId: row.user_id,
  };
}

function uploadsWithNames(db: Kysely<Database>) {
  return db
    .selectFrom('score_uploads')
    .leftJoin('users', 'users.id', 'score_uploads.user_id')
    .selectAll('score_uploads')
    .select('users.display_name');
}

/** One upload, without its content. */
export async function findScoreUpload(db: Kysely<Database>, uploadId: number): Promise<ScoreUploadView | undefined> {
  const row = await uploadsWithNames(db).where('score_uploads.id', '=', uploadId).executeTakeFirst();
  return row && toView(row);
}

/** The session's import history, newest first. */
export async function scoreUploadHistory(db: Kysely<Database>, sessionId: number, limit = 50): Promise<ScoreUploadView[]> {
  const rows = await uploadsWithNames(db)
    .where('score_uploads.session_id', '=', sessionId)
    .orderBy('score_uploads.uploaded_at', 'desc')
    .orderBy('score_uploads.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toView);
}

/** The kept file of a previewed upload, only for the user who uploaded it and only before it expires. */
export async function previewedFile(
  db: Kysely<Database>,
  uploadId: number,
  userId: number,
  now = new Date(),
): Promise<{ sessionId: number; fileName: string; sha256: string; content: Uint8Array } | undefined> {
  const row = await db
    .selectFrom('score_uploads')
    .select(['session_id', 'file_name', 'sha256', 'content'])
    .where('id', '=', uploadId)
    .where('user_id', '=', userId)
    .where('status', '=', 'previewed')
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  if (!row?.content) return undefined;
  const content = row.content instanceof Uint8Array ? row.content : new Uint8Array(row.content as ArrayBufferLike);
  return { sessionId: row.session_id, fileName: row.file_name, sha256: row.sha256, content };
}

/** Removes the files of previews nobody saved in time; their history rows stay, marked expired. */
export async function expireScoreUploads(db: Kysely<Database>, now = new Date()): Promise<number> {
  const result = await db
    .updateTable('score_uploads')
    .set({ status: 'expired', content: null })
    .where('status', '=', 'previewed')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
