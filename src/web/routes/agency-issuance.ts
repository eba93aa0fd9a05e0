/**
 * Agency staff: issuance. `GET /staff/agency/issuance?session=` (the session, its progress and the queue),
 * `GET /progress?session=` (the progress panel alone, for htmx), `POST /issue` and `POST /retry` (queue the
 * session's job: issue what is due, seal what has no document; retrying seals again only what failed).
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { issuancePage, issuanceProgressPanel } from '../../../views/agency-issuance.js';
import { audit } from '../../data/audit.js';
import { examSessionChoices, examSessionInScope, type ExamSession } from '../../data/exam-sessions.js';
import { activeIssuanceSessions, enqueueIssuance, issuanceProgress } from '../../data/issuance-jobs.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, textFields, wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor, staffUser } from '../staff.js';
import { agencyOnly } from './agency-guard.js';

export interface AgencyIssuanceDependencies {
  db: Kysely<Database>;
  /** Wakes this instance's issuance runner when a job is queued. */
  notify?: () => void;
  clock?: () => Date;
}

export function agencyIssuanceRoutes(deps: AgencyIssuanceDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', agencyOnly());

  const sessionOr404 = async (text: string | undefined | null): Promise<ExamSession> => {
    const session = await examSessionInScope(deps.db, idParam(text), null);
    if (!session) throw new HTTPException(404);
    return session;
  };

  app.get('/', async (c) => {
    const asked = c.req.query('session');
    if (asked && wholeNumber(asked) === undefined) throw new HTTPException(404);
    const [sessions, active] = await Promise.all([examSessionChoices(deps.db, null), activeIssuanceSessions(deps.db)]);
    const session = asked ? await sessionOr404(asked) : undefined;
    const progress = session ? await issuanceProgress(deps.db, session.id) : undefined;
    const byId = new Map(sessions.map((s) => [s.id, s]));
    const queue = active.flatMap((a) => (byId.has(a.sessionId) ? [{ session: byId.get(a.sessionId)!, status: a.status }] : []));
    const t = pageContext(c).t;
    const message = c.req.query('done') === 'queued' ? t('agencyExams.issuance.queued') : undefined;
    return sendHtml(
      c,
      issuancePage(pageContext(c), { sessions, ...(session ? { session } : {}), ...(progress ? { progress } : {}), queue, ...(message ? { message } : {}) }),
    );
  });

  app.get('/progress', async (c) => {
    const session = await sessionOr404(c.req.query('session'));
    return sendHtml(c, issuanceProgressPanel(pageContext(c), session, await issuanceProgress(deps.db, session.id)));
  });

  const queue = (action: 'issue' | 'retry') => async (c: Context<AppEnv>) => {
    const session = await sessionOr404(textFields(await c.req.parseBody()).session);
    const jobId = await enqueueIssuance(deps.db, { sessionId: session.id, userId: staffUser(c).userId, actor: staffActor(c) }, clock());
    await audit(
      deps.db,
      { actor: staffActor(c), channel: 'agency', action: `certificates.${action}-queued`, subject: `session:${session.id}`, details: { job: jobId } },
      clock(),
    );
    deps.notify?.();
    return c.redirect(`/staff/agency/issuance?session=${session.id}&done=queued#issuance-progress`, 303);
  };
  app.post('/issue', queue('issue'));
  app.post('/retry', queue('retry'));

  return app;
}
