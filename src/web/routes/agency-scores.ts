/**
 * Agency staff: score files. `GET /staff/agency/scores?session=` (upload form and import history), `POST /upload`
 * (check the whole file and keep it for saving: then the preview), `GET /preview/:id?sort=` (the preview; sorted
 * problems), `GET /preview/:id/problems.csv` and `POST /preview/:id/save` (all rows or none, through the same
 * import as `import` on the command line). A preview belongs to whoever uploaded it; others get 404.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { previewPage, scoresPage, type PreviewView, type ProblemLine, type ProblemSort, type ScoresView } from '../../../views/agency-scores.js';
import { examSessionChoices, examSessionInScope, type ExamSession } from '../../data/exam-sessions.js';
import { findScoreUpload, scoreUploadHistory, type ScoreUploadView } from '../../data/score-uploads.js';
import { previewScoreUpload, saveScoreUpload, ScoreUploadGone } from '../../data/scores.js';
import { latvianCollator } from '../../domain/latvian-order.js';
import { MAX_FILE_BYTES, ImportRefused } from '../../import/score-file.js';
import type { Translate } from '../../i18n.js';
import type { AppEnv } from '../context.js';
import { pageContext } from '../context.js';
import { idParam, wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor, staffUser } from '../staff.js';
import { agencyOnly } from './agency-guard.js';
import { prepareHeader } from '../response-headers.js';

export interface AgencyScoreDependencies {
  db: Kysely<Database>;
  clock?: () => Date;
}

/** The upload's path inside the staff pages, which give it this larger body limit instead of the forms' one. */
export const SCORE_UPLOAD_PATH = '/staff/agency/scores/upload';
/** A score file at its largest, with room for the form around it. */
export const SCORE_UPLOAD_BYTES = MAX_FILE_BYTES + 64 * 1024;

/** The upload's body limit: a bigger file is sent back to the form, which says how big a file may be. */
export function scoreUploadLimit(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: SCORE_UPLOAD_BYTES,
    onError: (c) => c.redirect('/staff/agency/scores?problem=too-large', 303),
  });
}

function problemLines(t: Translate, upload: ScoreUploadView, sort: ProblemSort): ProblemLine[] {
  const lines = upload.problems.map((p) => ({ row: p.row ?? null, column: p.column ?? '', reason: t(p.key, p.params ?? {}) }));
  const byRow = (a: ProblemLine, b: ProblemLine) => (a.row ?? 0) - (b.row ?? 0);
  const compare =
    sort === 'column'
      ? (a: ProblemLine, b: ProblemLine) => latvianCollator.compare(a.column, b.column) || byRow(a, b)
      : sort === 'reason'
        ? (a: ProblemLine, b: ProblemLine) => latvianCollator.compare(a.reason, b.reason) || byRow(a, b)
        : byRow;
  return lines.sort(compare);
}

/** One CSV field: quoted when it must be, and never read as a formula by a spreadsheet. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",;\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function agencyScoreRoutes(deps: AgencyScoreDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', agencyOnly());

  const sessionOr404 = async (text: string | undefined | null): Promise<ExamSession> => {
    const session = await examSessionInScope(deps.db, idParam(text), null);
    if (!session) throw new HTTPException(404);
    return session;
  };

  const page = async (c: Context<AppEnv>, sessionId: number | undefined, extra: Partial<ScoresView> = {}, status: 200 | 400 | 413 | 409 = 200) => {
    const sessions = await examSessionChoices(deps.db, null);
    const session = sessionId === undefined ? undefined : await sessionOr404(String(sessionId));
    const history = session ? await scoreUploadHistory(deps.db, session.id) : [];
    return sendHtml(c, scoresPage(pageContext(c), { sessions, ...(session ? { session } : {}), history, errors: [], ...extra }), status);
  };

  app.get('/', async (c) => {
    const t = pageContext(c).t;
    const asked = c.req.query('session');
    const sessionId = asked ? wholeNumber(asked) : undefined;
    if (asked && sessionId === undefined) throw new HTTPException(404);
    if (c.req.query('problem') === 'too-large') {
      return page(c, sessionId, { errors: [{ field: 'file', text: t('agencyExams.scores.tooLarge', { max: MAX_FILE_BYTES / 1024 / 1024 }) }] }, 413);
    }
    const saved = wholeNumber(c.req.query('saved'));
    const upload = saved ? await findScoreUpload(deps.db, saved) : undefined;
    const message =
      upload?.status === 'saved'
        ? t('agencyExams.scores.saved', { file: upload.fileName, created: upload.created, updated: upload.updated, unchanged: upload.unchanged })
        : undefined;
    return page(c, sessionId, message ? { message } : {});
  });

  app.post('/upload', async (c) => {
    const body = await c.req.parseBody();
    const session = await sessionOr404(typeof body.session === 'string' ? body.session : undefined);
    const t = pageContext(c).t;
    const file = body.file;
    if (!(file instanceof File) || file.size === 0) {
      return page(c, session.id, { errors: [{ field: 'file', text: t('agencyExams.scores.noFile') }] }, 400);
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    // Only the name's last part, as a label: the file is found again by its upload id, never by this name.
    const name = (file.name.split(/[\\/]/).pop() ?? 'scores').slice(0, 200) || 'scores';
    const user = staffUser(c);
    try {
      const { uploadId } = await previewScoreUpload(deps.db, session.id, { bytes, name }, { actor: staffActor(c), userId: user.userId }, clock());
      return c.redirect(`/staff/agency/scores/preview/${uploadId}`, 303);
    } catch (error) {
      if (!(error instanceof ImportRefused)) throw error;
      // The session itself cannot take scores (no parts defined yet).
      return page(c, session.id, { errors: error.problems.map((p) => ({ field: 'file', text: t(p.key, p.params ?? {}) })) }, 409);
    }
  });

  const previewOr404 = async (c: Context<AppEnv>) => {
    const upload = await findScoreUpload(deps.db, idParam(c.req.param('id')));
    if (!upload || upload.userId !== staffUser(c).userId) throw new HTTPException(404);
    return upload;
  };

  const sortOf = (text: string | undefined): ProblemSort => (text === 'column' || text === 'reason' ? text : 'row');

  const showPreview = async (c: Context<AppEnv>, upload: ScoreUploadView, extra: Partial<PreviewView> = {}, status: 200 | 409 | 410 = 200) => {
    const session = await sessionOr404(String(upload.sessionId));
    const sort = sortOf(c.req.query('sort'));
    const t = pageContext(c).t;
    return sendHtml(c, previewPage(pageContext(c), { upload, session, sort, problems: problemLines(t, upload, sort), errors: [], ...extra }), status);
  };

  app.get('/preview/:id', async (c) => showPreview(c, await previewOr404(c)));

  app.get('/preview/:id/problems.csv', async (c) => {
    const upload = await previewOr404(c);
    const t = pageContext(c).t;
    const lines = problemLines(t, upload, sortOf(c.req.query('sort')));
    const header = [t('agencyExams.preview.row'), t('agencyExams.preview.column'), t('agencyExams.preview.reason')];
    const text = [header, ...lines.map((l) => [l.row === null ? '' : String(l.row), l.column, l.reason])].map((r) => r.map(csvField).join(',')).join('\r\n');
    prepareHeader(c, 'Content-Type', 'text/csv; charset=utf-8');
    prepareHeader(c, 'Content-Disposition', `attachment; filename="score-file-problems-${upload.id}.csv"`);
    return c.body(`\uFEFF${text}\r\n`);
  });

  app.post('/preview/:id/save', async (c) => {
    const upload = await previewOr404(c);
    const t = pageContext(c).t;
    try {
      await saveScoreUpload(deps.db, upload.id, { actor: staffActor(c), userId: staffUser(c).userId }, clock());
    } catch (error) {
      if (error instanceof ScoreUploadGone) return showPreview(c, upload, { errors: [{ text: t('agencyExams.scores.gone') }] }, 410);
      if (error instanceof ImportRefused) {
        return showPreview(
          c,
          upload,
          { errors: error.problems.map((p) => ({ text: `${p.row ? `${t('import.where.row', { row: p.row })}: ` : ''}${t(p.key, p.params ?? {})}` })) },
          409,
        );
      }
      throw error;
    }
    return c.redirect(`/staff/agency/scores?session=${upload.sessionId}&saved=${upload.id}#upload-${upload.id}`, 303);
  });

  return app;
}
