/**
 * The audit trail, under /staff/agency/audit: `GET /` (the search form), `POST /` (the search: the newest
 * entries on the page, with each look at a person's certificates named by channel), and `POST /export` (the
 * whole result as CSV or XLSX through the report queue). The search is a form sent by POST, so a personal code
 * never sits in an address or a log; every search and export is itself written to the audit log.
 */
import { Hono, type Context } from 'hono';
import { agencyAuditPage, AUDIT_PAGE_ROWS, type AuditView } from '../../../views/agency-audit.js';
import type { FormError } from '../../../views/forms.js';
import { audit } from '../../data/audit.js';
import { countAuditTrail, searchAuditTrail } from '../../data/audit-search.js';
import { enqueueReport, ReportQueueFullError } from '../../data/report-jobs.js';
import { findPersonByCode } from '../../data/sign-in.js';
import { parseAuditForm, type AuditFilters } from '../../domain/audit-trail.js';
import { agencyActor, type AgencyDependencies } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import { textFields } from '../forms.js';
import { sendHtml } from '../respond.js';

/** The field ids of the search form, for the error summary's links. */
const FIELD_IDS: Record<string, string> = { person: 'person', certificate: 'certificate', actor: 'actor', action: 'action', from: 'from', to: 'to' };

export function agencyAuditRoutes(deps: AgencyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  const render = (c: Context<AppEnv>, view: AuditView, status: 200 | 422 | 429 = 200) => sendHtml(c, agencyAuditPage(pageContext(c), view), status);

  /** The form turned into filters, with the person found in the register; or the problems to show. */
  const readSearch = async (
    c: Context<AppEnv>,
    form: Record<string, string>,
  ): Promise<{ filters: AuditFilters; person?: { name: string; code: string } } | FormError[]> => {
    const t = pageContext(c).t;
    const parsed = parseAuditForm(form);
    if (!parsed.ok) return parsed.problems.map((p) => ({ field: FIELD_IDS[p.field], text: t(`agency.audit.problem.${p.field}.${p.problem}`) }));
    if (!parsed.value.personalCode) return { filters: parsed.value.filters };
    const person = await findPersonByCode(deps.db, parsed.value.personalCode);
    if (!person) return [{ field: 'person', text: t('agency.audit.problem.person.unknown') }];
    return { filters: { ...parsed.value.filters, personId: person.personId }, person: { name: person.displayName, code: person.personalCode } };
  };

  app.get('/', (c) => render(c, { form: {}, errors: [] }));

  app.post('/', async (c) => {
    const form = textFields(await c.req.parseBody());
    const search = await readSearch(c, form);
    if (Array.isArray(search)) return render(c, { form, errors: search }, 422);
    const [total, rows] = await Promise.all([
      countAuditTrail(deps.db, search.filters),
      searchAuditTrail(deps.db, search.filters, { offset: 0, limit: AUDIT_PAGE_ROWS }),
    ]);
    // Reading the trail is itself seeing personal data: it goes into the same log.
    await audit(
      deps.db,
      {
        actor: agencyActor(c).actor,
        channel: 'agency',
        action: 'audit.search',
        ...(search.filters.personId !== undefined
          ? { subject: `person:${search.filters.personId}` }
          : search.filters.certificateNumber
            ? { subject: `certificate:${search.filters.certificateNumber}` }
            : {}),
        details: { ...search.filters, found: total },
      },
      clock(),
    );
    return render(c, { form, errors: [], result: { total, rows, ...(search.person ? { person: search.person } : {}) } });
  });

  app.post('/export', async (c) => {
    const form = textFields(await c.req.parseBody());
    const t = pageContext(c).t;
    const search = await readSearch(c, form);
    if (Array.isArray(search)) return render(c, { form, errors: search }, 422);
    const format = form.format === 'csv' ? 'csv' : 'xlsx';
    let jobId: number;
    try {
      jobId = await enqueueReport(
        deps.db,
        {
          userId: agencyActor(c).userId,
          institutionId: null,
          type: 'audit-trail',
          format,
          parameters: { request: { type: 'audit-trail', filters: search.filters }, lang: c.get('lang'), allResults: true },
        },
        deps.reports.settings,
        clock(),
      );
    } catch (error) {
      if (error instanceof ReportQueueFullError) return render(c, { form, errors: [{ text: t('reports.problem.queueFull', { limit: error.limit }) }] }, 429);
      throw error;
    }
    await audit(
      deps.db,
      {
        actor: agencyActor(c).actor,
        channel: 'agency',
        action: 'report.request',
        subject: `report:${jobId}`,
        details: { type: 'audit-trail', format, ...search.filters },
      },
      clock(),
    );
    deps.reports.notify?.();
    return c.redirect(`/staff/reports#report-${jobId}`, 303);
  });

  return app;
}
