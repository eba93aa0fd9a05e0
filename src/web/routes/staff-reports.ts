/**
 * Staff page "Reports > Statistical reports": `GET /staff/reports` (form and list; `?report_type=` chooses the
 * type whose fields the form shows), `GET /staff/reports/fields` (those fields alone, for htmx), `POST
 * /staff/reports` (queue a report), `GET /staff/reports/list` (the list alone, polled by htmx while a report is in
 * progress) and `GET /staff/reports/:id/download`. A user sees and downloads only their own reports, and asks only about their
 * own institution (agency staff: any, or all).
 */
import { Hono, type Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { reportList, reportsPage, requestForm, REPORTS_PER_PAGE, sessionName, type ReportFormView, type ReportListView } from '../../../views/reports.js';
import { audit } from '../../data/audit.js';
import { examSessionChoices, examSessionInScope } from '../../data/exam-sessions.js';
import { institutionChoices } from '../../data/institutions.js';
import { enqueueReport, findFinishedReport, listReports, ReportQueueFullError, reportFileChunks, type ReportQueueSettings } from '../../data/report-jobs.js';
import { parseReportForm, REPORT_TYPES, type ReportFormProblem, type ReportParameters, type ReportTypeName } from '../../domain/report-parameters.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, pageNumber, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';
import { CSRF_FIELD } from '../session.js';
import { institutionInScope, staffActor, staffScope, staffUser } from '../staff.js';

export interface StaffReportDependencies {
  db: Kysely<Database>;
  settings: ReportQueueSettings;
  /** Wakes this instance's report runner when a job is queued. */
  notify?: () => void;
  clock?: () => Date;
}

/** The type the form shows the fields of: the one asked for, or the first. */
function chosenType(value: string | undefined): ReportTypeName {
  return (REPORT_TYPES as readonly string[]).includes(value ?? '') ? (value as ReportTypeName) : REPORT_TYPES[0];
}

const CONTENT_TYPES = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
} as const;

/** Mounted at /staff/reports inside the staff pages (routes/staff.ts), which let only staff through. */
export function staffReportRoutes(deps: StaffReportDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  /** The exam sessions the user may ask about: the form's choices, and the names the list gives its reports. */
  const sessionsInScope = (c: Context<AppEnv>) => {
    const scope = staffScope(c);
    return examSessionChoices(deps.db, scope.kind === 'school' ? scope.institutionId : null);
  };

  const listView = async (c: Context<AppEnv>, page: number, highlight?: number): Promise<ReportListView> => {
    const [{ items, total }, sessions] = await Promise.all([
      listReports(deps.db, staffUser(c).userId, { offset: (page - 1) * REPORTS_PER_PAGE, limit: REPORTS_PER_PAGE }),
      sessionsInScope(c),
    ]);
    const context = pageContext(c);
    return {
      items,
      total,
      page,
      highlight,
      retentionDays: deps.settings.retentionDays,
      sessionNames: new Map(sessions.map((s) => [s.id, sessionName(context, s)])),
    };
  };

  const formView = async (c: Context<AppEnv>, values: Record<string, string>, problems: ReportFormProblem[], message?: string): Promise<ReportFormView> => {
    const scope = staffScope(c);
    const [sessions, institutions] = await Promise.all([sessionsInScope(c), scope.kind === 'agency' ? institutionChoices(deps.db) : Promise.resolve([])]);
    return { scope, type: chosenType(values.report_type), sessions, institutions, values, problems, message };
  };

  const defaults = (type: string | undefined): Record<string, string> => {
    const today = clock().toISOString().slice(0, 10);
    return { report_type: chosenType(type), format: 'xlsx', selection_date: today, education: 'secondary' };
  };

  app.get('/', async (c) => {
    const page = pageNumber(c.req.query('page'));
    const [form, list] = await Promise.all([formView(c, defaults(c.req.query('report_type')), []), listView(c, page)]);
    return sendHtml(c, reportsPage(pageContext(c), form, list));
  });

  app.get('/fields', async (c) => {
    const form = await formView(c, defaults(c.req.query('report_type')), []);
    return sendHtml(c, requestForm(pageContext(c), form));
  });

  app.get('/list', async (c) => {
    const list = await listView(c, pageNumber(c.req.query('page')));
    return sendHtml(c, reportList(pageContext(c), list));
  });

  app.post('/', async (c) => {
    const scope = staffScope(c);
    const values = textFields(await c.req.parseBody());
    // The form is shown again with these values; the page brings its own token.
    delete values[CSRF_FIELD];
    const refuse = async (problems: ReportFormProblem[], message?: string, status: 400 | 429 = 400) => {
      const [form, list] = await Promise.all([formView(c, values, problems, message), listView(c, 1)]);
      return sendHtml(c, reportsPage(pageContext(c), form, list), status);
    };
    const parsed = parseReportForm(values);
    if (!parsed.ok) return refuse(parsed.problems);
    const institutionId = institutionInScope(scope, parsed.value.institution);
    const request = parsed.value.request;
    if (request.type === 'institution-results' && !(await examSessionInScope(deps.db, request.sessionId, institutionId))) {
      return refuse([{ field: 'session', problem: 'invalid' }]);
    }
    const parameters: ReportParameters = { request, lang: c.get('lang'), ...(scope.kind === 'agency' ? { allResults: true } : {}) };
    let jobId: number;
    try {
      jobId = await enqueueReport(
        deps.db,
        { userId: staffUser(c).userId, institutionId, type: parsed.value.type, format: parsed.value.format, parameters },
        deps.settings,
        clock(),
      );
    } catch (error) {
      if (error instanceof ReportQueueFullError) return refuse([], pageContext(c).t('reports.problem.queueFull', { limit: error.limit }), 429);
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

  app.get('/:id/download', async (c) => {
    const report = await findFinishedReport(deps.db, staffUser(c).userId, idParam(c.req.param('id')));
    if (!report || !report.file_name) return c.notFound();
    await audit(deps.db, {
      actor: staffActor(c),
      action: 'report.download',
      subject: `report:${report.id}`,
      channel: 'school',
      details: { type: report.type },
    });
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
