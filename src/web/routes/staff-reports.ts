/**
 * Staff page "Reports > Statistical reports": `GET /staff/reports` (form and list), `POST /staff/reports` (queue a
 * report), `GET /staff/reports/list` (the list alone, polled by htmx while a report is in progress) and
 * `GET /staff/reports/:id/download`. A user sees and downloads only their own reports, and asks only about their
 * own institution (agency staff: any, or all).
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { reportList, reportsPage, REPORTS_PER_PAGE, type ReportFormView } from '../../../views/reports.js';
import { audit } from '../../data/audit.js';
import { institutionChoices, sessionChoices, sessionInScope } from '../../data/report-choices.js';
import { enqueueReport, findFinishedReport, listReports, ReportQueueFullError, reportFileChunks, type ReportQueueSettings } from '../../data/report-jobs.js';
import { parseReportForm, type ReportFormProblem, type ReportParameters } from '../../domain/report-parameters.js';
import type { AppEnv } from '../app.js';
import { pageContext } from '../app.js';
import type { Assets } from '../assets.js';
import { sendHtml } from '../respond.js';
import { csrfProtection } from '../session.js';
import { institutionInScope, staffActor, staffScope } from '../staff.js';

export interface StaffReportDependencies {
  db: Kysely<Database>;
  assets: Assets;
  requireStaff: MiddlewareHandler<AppEnv>;
  settings: ReportQueueSettings;
  /** Wakes this instance's report runner when a job is queued. */
  notify?: () => void;
  clock?: () => Date;
}

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
} as const;

function pageNumber(value: string | undefined): number {
  return value && /^\d{1,6}$/.test(value) && Number(value) >= 1 ? Number(value) : 1;
}

export function staffReportRoutes(deps: StaffReportDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  // '/staff/reports/*' covers '/staff/reports' itself as well.
  app.use('/staff/reports/*', deps.requireStaff);

  const listView = async (c: Context<AppEnv>, page: number, highlight?: number) => {
    const userId = c.get('session')!.userId!;
    const { items, total } = await listReports(deps.db, userId, { offset: (page - 1) * REPORTS_PER_PAGE, limit: REPORTS_PER_PAGE });
    return { items, total, page, highlight };
  };

  const formView = async (c: Context<AppEnv>, values: Record<string, string>, problems: ReportFormProblem[], message?: string): Promise<ReportFormView> => {
    const scope = staffScope(c);
    const institutionId = scope.kind === 'school' ? scope.institutionId : null;
    const [sessions, institutions] = await Promise.all([
      sessionChoices(deps.db, institutionId),
      scope.kind === 'agency' ? institutionChoices(deps.db) : Promise.resolve([]),
    ]);
    return { scope, sessions, institutions, values, problems, message };
  };

  const defaults = (): Record<string, string> => {
    const today = clock().toISOString().slice(0, 10);
    return { report_type: 'institution-results', format: 'xlsx', selection_date: today, education: 'secondary' };
  };

  app.get('/staff/reports', async (c) => {
    const page = pageNumber(c.req.query('page'));
    const [form, list] = await Promise.all([formView(c, defaults(), []), listView(c, page)]);
    return sendHtml(c, reportsPage(pageContext(c, deps.assets), form, list));
  });

  app.get('/staff/reports/list', async (c) => {
    const list = await listView(c, pageNumber(c.req.query('page')));
    return sendHtml(c, reportList(pageContext(c, deps.assets), list));
  });

  app.post('/staff/reports', bodyLimit({ maxSize: 16 * 1024, onError: () => { throw new HTTPException(413); } }), csrfProtection(), async (c) => {
    const scope = staffScope(c);
    const body = await c.req.parseBody();
    const values = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf'));
    const refuse = async (problems: ReportFormProblem[], message?: string, status: 400 | 429 = 400) => {
      const [form, list] = await Promise.all([formView(c, values, problems, message), listView(c, 1)]);
      return sendHtml(c, reportsPage(pageContext(c, deps.assets), form, list), status);
    };
    const parsed = parseReportForm(values);
    if (!parsed.ok) return refuse(parsed.problems);
    const institutionId = institutionInScope(scope, parsed.value.institution);
    const request = parsed.value.request;
    if (request.type === 'institution-results' && !(await sessionInScope(deps.db, request.sessionId, institutionId))) {
      return refuse([{ field: 'session', problem: 'invalid' }]);
    }
    const parameters: ReportParameters = { request, lang: c.get('lang'), ...(scope.kind === 'agency' ? { allResults: true } : {}) };
    const userId = c.get('session')!.userId!;
    let jobId: number;
    try {
      jobId = await enqueueReport(deps.db, { userId, institutionId, type: parsed.value.type, format: parsed.value.format, parameters }, deps.settings, clock());
    } catch (error) {
      if (error instanceof ReportQueueFullError) return refuse([], pageContext(c, deps.assets).t('reports.problem.queueFull', { limit: error.limit }), 429);
      throw error;
    }
    await audit(deps.db, {
      actor: staffActor(c),
      action: 'report.request',
      subject: `report:${jobId}`,
      channel: 'school',
      details: { type: parsed.value.type, institution: institutionId },
    });
    deps.notify?.();
    return c.redirect(`/staff/reports#report-${jobId}`, 303);
  });

  app.get('/staff/reports/:id/download', async (c) => {
    const id = c.req.param('id');
    if (!/^\d{1,9}$/.test(id)) return c.notFound();
    const userId = c.get('session')!.userId!;
    const report = await findFinishedReport(deps.db, userId, Number(id));
    if (!report || !report.file_name) return c.notFound();
    await audit(deps.db, { actor: staffActor(c), action: 'report.download', subject: `report:${report.id}`, channel: 'school', details: { type: report.type } });
    const chunks = reportFileChunks(deps.db, report.id);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return c.body(body, 200, {
      'Content-Type': CONTENT_TYPES[report.format],
      'Content-Disposition': `attachment; filename="${report.file_name.replace(/[^\w.-]/g, '_')}"`,
      ...(report.file_size !== null ? { 'Content-Length': String(report.file_size) } : {}),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
  });

  return app;
}
