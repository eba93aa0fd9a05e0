/**
 * Agency staff page "Paper copies": `GET /staff/paper-requests` (filters and list), `POST
 * /staff/paper-requests/:id/printed` and `/:id/sent` (one step each, CSRF), and `POST
 * /staff/paper-requests/postal-list` (queues the day's postal list as an XLSX report). School users get 404: the
 * page does not exist for them.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database, PaperDelivery } from '../../../db/schema.js';
import { filterQuery, PAPER_REQUESTS_PER_PAGE, paperRequestsPage } from '../../../views/paper-requests.js';
import { audit } from '../../data/audit.js';
import { advancePaperRequest, listPaperRequests, PaperRequestError, type PaperRequestFilters } from '../../data/paper-requests.js';
import { PAPER_STATUS_FILTERS, type PaperStatusFilter } from '../../domain/staff-lists.js';
import { enqueueReport, ReportQueueFullError, type ReportQueueSettings } from '../../data/report-jobs.js';
import { isIsoDate, rigaDate } from '../../domain/riga-time.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, pageNumber } from '../forms.js';
import { sendHtml } from '../respond.js';
import { staffActor, staffScope, staffUser } from '../staff.js';

export interface AgencyPaperRequestDependencies {
  db: Kysely<Database>;
  reports: { settings: ReportQueueSettings; notify?: () => void };
  clock?: () => Date;
}

export function parseFilters(query: (name: string) => string | undefined): PaperRequestFilters {
  const status = query('status');
  const delivery = query('delivery');
  const from = query('from');
  const to = query('to');
  return {
    status: (PAPER_STATUS_FILTERS as readonly string[]).includes(status ?? '') ? (status as PaperStatusFilter) : 'open',
    ...(delivery === 'post' || delivery === 'pickup' ? { delivery: delivery as PaperDelivery } : {}),
    ...(from && isIsoDate(from) ? { from } : {}),
    ...(to && isIsoDate(to) ? { to } : {}),
  };
}

/** Mounted at /staff/paper-requests inside the staff pages (routes/staff.ts), which let only staff through. */
export function agencyPaperRequestRoutes(deps: AgencyPaperRequestDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', async (c, next) => {
    if (staffScope(c).kind !== 'agency') throw new HTTPException(404);
    await next();
  });

  const render = async (
    c: Context<AppEnv>,
    filters: PaperRequestFilters,
    page: number,
    message?: { text: string; tone: 'ok' | 'bad'; field?: 'date' },
    status: 200 | 409 | 429 = 200,
  ) => {
    const { items, total } = await listPaperRequests(deps.db, filters, { offset: (page - 1) * PAPER_REQUESTS_PER_PAGE, limit: PAPER_REQUESTS_PER_PAGE });
    return sendHtml(c, paperRequestsPage(pageContext(c), { filters, items, total, page, today: rigaDate(clock()), ...(message ? { message } : {}) }), status);
  };

  app.get('/', async (c) => {
    const filters = parseFilters((name) => c.req.query(name));
    const done = c.req.query('done');
    const t = pageContext(c).t;
    const message = done === 'printed' || done === 'sent' ? { text: t(`paperRequests.done.${done}`), tone: 'ok' as const } : undefined;
    return render(c, filters, pageNumber(c.req.query('page')), message);
  });

  for (const step of ['printed', 'sent'] as const) {
    app.post(`/:id/${step}`, async (c) => {
      const id = idParam(c.req.param('id'));
      const body = await c.req.parseBody();
      const back = new URLSearchParams(typeof body.filters === 'string' ? body.filters : '');
      const filters = parseFilters((name) => back.get(name) ?? undefined);
      const page = pageNumber(back.get('page') ?? undefined);
      try {
        await advancePaperRequest(deps.db, id, step, { userId: staffUser(c).userId, actor: staffActor(c) }, clock());
      } catch (error) {
        if (!(error instanceof PaperRequestError)) throw error;
        return render(c, filters, page, { text: pageContext(c).t(error.key, error.params), tone: 'bad' }, 409);
      }
      return c.redirect(`/staff/paper-requests?${filterQuery(filters, page)}&done=${step}#request-${id}`, 303);
    });
  }

  app.post('/postal-list', async (c) => {
    const body = await c.req.parseBody();
    const date = typeof body.date === 'string' ? body.date : '';
    const t = pageContext(c).t;
    const filters = parseFilters(() => undefined);
    if (!isIsoDate(date)) return render(c, filters, 1, { text: t('paperRequests.postal.badDate'), tone: 'bad', field: 'date' }, 409);
    let jobId: number;
    try {
      jobId = await enqueueReport(
        deps.db,
        {
          userId: staffUser(c).userId,
          institutionId: null,
          type: 'postal-list',
          format: 'xlsx',
          parameters: { request: { type: 'postal-list', date }, lang: c.get('lang') },
        },
        deps.reports.settings,
        clock(),
      );
    } catch (error) {
      if (error instanceof ReportQueueFullError)
        return render(c, filters, 1, { text: t('reports.problem.queueFull', { limit: error.limit }), tone: 'bad' }, 429);
      throw error;
    }
    await audit(
      deps.db,
      { actor: staffActor(c), action: 'report.request', subject: `report:${jobId}`, channel: 'agency', details: { type: 'postal-list', date } },
      clock(),
    );
    deps.reports.notify?.();
    return c.redirect(`/staff/reports#report-${jobId}`, 303);
  });

  return app;
}
