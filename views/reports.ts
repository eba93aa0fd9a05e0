/**
 * "Reports > Statistical reports": the request in two steps, and the list of the user's reports whose status
 * updates itself (htmx polls the list while a report is queued or running; without JavaScript, reloading shows it).
 * First the report type (a GET form: without JavaScript its button reloads the page with that type), then only
 * that type's fields (with htmx, choosing a type swaps them in place). Each report in the list says what was asked
 * for, and how long its file is kept.
 */
import { html } from 'hono/html';
import type { ExamSession } from '../src/data/exam-sessions.js';
import type { InstitutionChoice } from '../src/data/institutions.js';
import type { ReportListEntry, ReportListItem } from '../src/data/report-jobs.js';
import type { StaffScope } from '../src/data/staff.js';
import { examTitle } from '../src/domain/exam-title.js';
import { describeReportRequest, REPORT_FORMATS, REPORT_TYPES, type ReportFormProblem, type ReportTypeName } from '../src/domain/report-parameters.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { csrfField, errorFor, errorSummary, field, hintId, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export const REPORTS_PER_PAGE = 10;

export interface ReportFormView {
  scope: StaffScope;
  /** The report type whose fields the form shows. */
  type: ReportTypeName;
  sessions: ExamSession[];
  /** Agency staff only. */
  institutions: InstitutionChoice[];
  values: Record<string, string>;
  problems: ReportFormProblem[];
  /** A problem with the request as a whole (the queue is full), already translated. */
  message?: string;
}

export interface ReportListView {
  items: ReportListEntry[];
  total: number;
  page: number;
  /** The item just requested, to focus the reader's attention on it. */
  highlight?: number;
  /** Days a finished file is kept (REPORT_RETENTION_DAYS). */
  retentionDays: number;
  /** The exam sessions the user may ask about, by id, as the list names a report's session. */
  sessionNames: ReadonlyMap<number, string>;
}

/** The label of each field that can be in error, for the summary: the messages alone say "This field is required." */
const FIELD_LABELS: Record<string, string> = {
  report_type: 'reports.form.type',
  format: 'reports.form.format',
  institution: 'reports.form.institution',
  session: 'reports.form.session',
  from: 'reports.form.from',
  to: 'reports.form.to',
  selection_date: 'reports.form.selectionDate',
  education: 'reports.form.education',
};

/** The form's problems as messages per field, and the summary's list (whole-request problems first). */
function formErrors(page: PageContext, form: ReportFormView): { byField: FormError[]; summary: FormError[] } {
  const { t } = page;
  const byField = form.problems.map((p) => ({ field: p.field, text: t(`reports.problem.${p.problem}`) }));
  const labelled = form.problems.map((p, i) => {
    const label = FIELD_LABELS[p.field];
    return { field: p.field, text: label ? `${t(label)}: ${byField[i]!.text}` : byField[i]!.text };
  });
  return { byField, summary: [...(form.message ? [{ text: form.message }] : []), ...labelled] };
}

function required(label: string) {
  return html`${label} <span aria-hidden="true">*</span>`;
}

/** An exam session as the form and the list name it. */
export function sessionName(page: PageContext, session: ExamSession): string {
  return `${examTitle(session, page.lang)}${session.term === 'additional' ? ` (${page.t('reports.form.additional')})` : ''}`;
}

/** Step 1: the report type, each with a line on what it holds. */
function typeForm(page: PageContext, form: ReportFormView, error: string | undefined) {
  const { t } = page;
  return html`<form method="get" action="/staff/reports" class="stack report-type" hx-get="/staff/reports/fields" hx-trigger="change" hx-target="#report-request" hx-swap="outerHTML">
${field(page, {
  control: 'radios',
  name: 'report_type',
  label: html`<span class="step">${t('reports.form.step1')}</span> ${t('reports.form.type')}`,
  value: form.type,
  items: REPORT_TYPES.map((type) => ({ value: type, label: t(`reportFile.name.${type}`), hint: t(`reports.form.typeHint.${type}`) })),
  error,
})}
<button type="submit" class="secondary">${t('reports.form.showFields')}</button>
</form>`;
}

/** Step 2: the chosen type's fields, and the shared ones (format, institution). htmx swaps this form whole. */
export function requestForm(page: PageContext, form: ReportFormView, errors: readonly FormError[] = []) {
  const { t } = page;
  const v = form.values;
  const error = (id: string) => errorFor(errors, id);
  const typeFields = () => {
    switch (form.type) {
      case 'institution-results':
        return field(page, {
          control: 'select',
          name: 'session',
          label: required(t('reports.form.session')),
          value: v.session,
          options: [{ value: '', text: t('reports.form.choose') }, ...form.sessions.map((s) => ({ value: String(s.id), text: sessionName(page, s) }))],
          error: error('session'),
          attributes: { required: true },
        });
      case 'applications':
        return html`${field(page, {
          name: 'from',
          type: 'datetime-local',
          label: required(t('reports.form.from')),
          value: v.from ?? '',
          describedBy: [hintId('to')],
          error: error('from'),
          attributes: { required: true },
        })}
${field(page, { name: 'to', type: 'datetime-local', label: required(t('reports.form.to')), hint: t('reports.form.rangeHint'), value: v.to ?? '', error: error('to'), attributes: { required: true } })}`;
      case 'graduates':
        return html`${field(page, {
          name: 'selection_date',
          type: 'date',
          label: required(t('reports.form.selectionDate')),
          value: v.selection_date ?? '',
          error: error('selection_date'),
          attributes: { required: true },
        })}
${field(page, {
  control: 'radios',
  name: 'education',
  label: required(t('reports.form.education')),
  value: v.education,
  items: [
    { value: 'basic', label: t('reports.form.basic') },
    { value: 'secondary', label: t('reports.form.secondary') },
  ],
  error: error('education'),
})}`;
    }
  };
  return html`<form method="post" action="/staff/reports" class="stack report-form" id="report-request" novalidate>
${csrfField(page.user)}
<input type="hidden" name="report_type" value="${form.type}">
<fieldset>
  <legend><span class="step">${t('reports.form.step2')}</span> ${t('reports.form.fieldsOf', { type: t(`reportFile.name.${form.type}`) })}</legend>
  ${typeFields()}
  ${field(page, {
    control: 'select',
    name: 'institution',
    label: required(t('reports.form.institution')),
    value: form.scope.kind === 'school' ? undefined : v.institution,
    options:
      form.scope.kind === 'school'
        ? [{ value: String(form.scope.institutionId), text: form.scope.institutionName }]
        : [
            { value: '', text: t('reports.form.allInstitutions') },
            ...form.institutions.map((i) => ({ value: String(i.id), text: `${i.name}, ${i.registrationNumber}` })),
          ],
    error: error('institution'),
  })}
  ${field(page, { control: 'select', name: 'exam_type', label: required(t('reports.form.examType')), options: [{ value: 'ce', text: t('reports.form.centralised') }] })}
  ${field(page, {
    control: 'radios',
    name: 'format',
    label: required(t('reports.form.format')),
    value: v.format,
    items: REPORT_FORMATS.map((format) => ({ value: format, label: format.toUpperCase(), hint: t(`reports.form.formatHint.${format}`) })),
    error: error('format'),
  })}
</fieldset>
<button type="submit">${t('reports.form.submit')}</button>
</form>`;
}

/** What the report was asked about, in a line under its name. */
function parametersText(page: PageContext, list: ReportListView, item: ReportListEntry): string {
  const { request } = item.parameters;
  const session = request.type === 'institution-results' ? list.sessionNames.get(request.sessionId) : undefined;
  const names = { ...(session !== undefined ? { session } : {}), institution: item.institutionName ?? page.t('reportFile.parameters.allInstitutions') };
  return describeReportRequest(request, names, page.t).join('; ');
}

function statusCell(page: PageContext, item: ReportListItem) {
  const { t } = page;
  switch (item.status) {
    case 'queued':
      return html`<span class="status queued">${t('reports.status.queued')}</span>`;
    case 'running': {
      const percent = item.rows_total ? Math.min(100, Math.floor((item.rows_done * 100) / item.rows_total)) : 0;
      return html`<span class="status running">${t('reports.status.running', { percent })}</span>
<progress max="100" value="${String(percent)}" aria-label="${t('reports.status.progress')}">${percent} %</progress>`;
    }
    case 'done':
      return html`<span class="status done">${t('reports.status.done')}</span>`;
    case 'failed':
      return html`<span class="status failed">${t('reports.status.failed')}: ${t(`reports.failure.${item.failure ?? 'internal'}`, { defaultValue: t('reports.failure.internal') })}</span>`;
    case 'expired':
      return html`<span class="status">${t('reports.status.expired')}</span>`;
  }
}

function pager(page: PageContext, list: ReportListView) {
  const { t } = page;
  const pages = Math.max(1, Math.ceil(list.total / REPORTS_PER_PAGE));
  const first = list.total === 0 ? 0 : (list.page - 1) * REPORTS_PER_PAGE + 1;
  const last = Math.min(list.total, list.page * REPORTS_PER_PAGE);
  const link = (n: number, label: string, rel: string) =>
    n >= 1 && n <= pages && n !== list.page
      ? html`<a href="/staff/reports?page=${String(n)}" rel="${rel}">${label}</a>`
      : html`<span aria-hidden="true">${label}</span>`;
  return html`<nav class="pager" aria-label="${t('reports.list.pages')}">
${link(list.page - 1, '«', 'prev')} <span>${String(list.page)}</span> ${link(list.page + 1, '»', 'next')}
<span>${t('reports.list.range', { first, last, total: list.total })}</span>
</nav>`;
}

/** The list as a fragment: the page embeds it, and htmx fetches it again while anything is still in progress. */
export function reportList(page: PageContext, list: ReportListView) {
  const { t } = page;
  const inProgress = list.items.some((i) => i.status === 'queued' || i.status === 'running');
  const finished = list.items.filter((i) => i.status === 'done').length;
  const polling = inProgress ? html` hx-get="/staff/reports/list?page=${String(list.page)}" hx-trigger="every 2s" hx-swap="outerHTML"` : '';
  return html`<section id="report-list" aria-labelledby="report-list-title"${polling}>
<h2 id="report-list-title">${t('reports.list.title')}</h2>
<p>${t('reports.list.retention', { count: list.retentionDays })}</p>
<p class="visually-hidden" aria-live="polite">${t('reports.list.summary', { finished, total: list.items.length })}</p>
${
  list.items.length === 0
    ? html`<p>${t('reports.list.empty')}</p>`
    : html`<div class="table-scroll"><table>
<thead><tr><th scope="col">${t('reports.list.name')}</th><th scope="col">${t('reports.list.requestedAt')}</th><th scope="col">${t('reports.list.status')}</th><th scope="col"><span class="visually-hidden">${t('reports.list.download')}</span></th></tr></thead>
<tbody>
${list.items.map(
  (item) => html`<tr id="report-${String(item.id)}"${item.id === list.highlight ? html` class="highlight"` : ''}>
<td>${t(`reportFile.name.${item.type}`)} <span class="muted">(${item.format.toUpperCase()})</span><span class="report-parameters">${parametersText(page, list, item)}</span></td>
<td>${formatRigaDateTime(new Date(item.requested_at))}</td>
<td>${statusCell(page, item)}</td>
<td>${item.status === 'done' ? html`<a href="/staff/reports/${String(item.id)}/download" download>${t('reports.list.download')}<span class="visually-hidden"> ${t(`reportFile.name.${item.type}`)}, ${formatRigaDateTime(new Date(item.requested_at))}</span></a>` : ''}</td>
</tr>`,
)}
</tbody></table></div>`
}
${pager(page, list)}
${inProgress ? html`<p class="hint"><a href="/staff/reports?page=${String(list.page)}">${t('reports.list.refresh')}</a></p>` : ''}
</section>`;
}

export function reportsPage(page: PageContext, form: ReportFormView, list: ReportListView) {
  const { t } = page;
  const { byField, summary } = formErrors(page, form);
  return layout(
    page,
    t('reports.title'),
    html`<p class="breadcrumb">${t('reports.breadcrumb')}</p>
<h1>${t('reports.title')}</h1>
${errorSummary(page, { errors: summary, ...(byField.length > 0 ? { description: t('reports.problem.summary') } : {}) })}
<section aria-labelledby="report-request-title">
<h2 id="report-request-title">${t('reports.form.legend')}</h2>
${typeForm(page, form, errorFor(byField, 'report_type'))}
${requestForm(page, form, byField)}
</section>
${reportList(page, list)}`,
    { htmx: true, wide: true, error: form.problems.length > 0 || form.message !== undefined },
  );
}
