/**
 * "Reports > Statistical reports": the request form, and the list of the user's reports whose status updates
 * itself (htmx polls the list while a report is queued or running; without JavaScript, reloading shows it).
 */
import { html } from 'hono/html';
import type { InstitutionChoice, SessionChoice } from '../src/data/report-choices.js';
import type { ReportListItem } from '../src/data/report-jobs.js';
import type { StaffScope } from '../src/data/staff.js';
import { examTitle } from '../src/domain/exam-title.js';
import { REPORT_FORMATS, REPORT_TYPES, type ReportFormProblem } from '../src/domain/report-parameters.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { layout, type PageContext } from './layout.js';

export const REPORTS_PER_PAGE = 10;

export interface ReportFormView {
  scope: StaffScope;
  sessions: SessionChoice[];
  /** Agency staff only. */
  institutions: InstitutionChoice[];
  values: Record<string, string>;
  problems: ReportFormProblem[];
  /** A problem with the request as a whole (the queue is full), already translated. */
  message?: string;
}

export interface ReportListView {
  items: ReportListItem[];
  total: number;
  page: number;
  /** The item just requested, to focus the reader's attention on it. */
  highlight?: number;
}

function selected(value: string | undefined, option: string) {
  return value === option ? html` selected` : '';
}

function fieldError(page: PageContext, problems: ReportFormProblem[], field: string) {
  const problem = problems.find((p) => p.field === field);
  return problem ? html`<p class="field-error" id="${field}-error">${page.t(`reports.problem.${problem.problem}`)}</p>` : '';
}

function described(problems: ReportFormProblem[], field: string, hint?: string) {
  const ids = [hint, problems.some((p) => p.field === field) ? `${field}-error` : undefined].filter(Boolean).join(' ');
  return ids ? html` aria-describedby="${ids}"${problems.some((p) => p.field === field) ? html` aria-invalid="true"` : ''}` : '';
}

function reportForm(page: PageContext, form: ReportFormView) {
  const { t, lang } = page;
  const v = form.values;
  const p = form.problems;
  return html`<form method="post" action="/staff/reports" class="stack report-form" novalidate>
<input type="hidden" name="_csrf" value="${page.user?.csrfToken ?? ''}">
${form.message || p.length > 0 ? html`<div class="errors" role="alert"><p>${form.message ?? t('reports.problem.summary')}</p></div>` : ''}
<fieldset>
  <legend>${t('reports.form.legend')}</legend>
  <label for="report_type">${t('reports.form.type')} <span aria-hidden="true">*</span></label>
  <select id="report_type" name="report_type" required${described(p, 'report_type')}>
    ${REPORT_TYPES.map((type) => html`<option value="${type}"${selected(v.report_type, type)}>${t(`reportFile.name.${type}`)}</option>`)}
  </select>
  ${fieldError(page, p, 'report_type')}
  <label for="format">${t('reports.form.format')} <span aria-hidden="true">*</span></label>
  <select id="format" name="format" required${described(p, 'format')}>
    ${REPORT_FORMATS.map((format) => html`<option value="${format}"${selected(v.format, format)}>${format.toUpperCase()}</option>`)}
  </select>
  ${fieldError(page, p, 'format')}
  <label for="exam_type">${t('reports.form.examType')} <span aria-hidden="true">*</span></label>
  <select id="exam_type" name="exam_type"><option value="ce">${t('reports.form.centralised')}</option></select>
  <label for="institution">${t('reports.form.institution')} <span aria-hidden="true">*</span></label>
  ${form.scope.kind === 'school'
    ? html`<select id="institution" name="institution"><option value="${String(form.scope.institutionId)}">${form.scope.institutionName}</option></select>`
    : html`<select id="institution" name="institution"${described(p, 'institution')}>
    <option value="">${t('reports.form.allInstitutions')}</option>
    ${form.institutions.map((i) => html`<option value="${String(i.id)}"${selected(v.institution, String(i.id))}>${i.name}, ${i.registrationNumber}</option>`)}
  </select>`}
  ${fieldError(page, p, 'institution')}
</fieldset>
<fieldset>
  <legend>${t('reports.form.resultsLegend')}</legend>
  <label for="session">${t('reports.form.session')}</label>
  <select id="session" name="session"${described(p, 'session', 'session-hint')}>
    <option value="">${t('reports.form.choose')}</option>
    ${form.sessions.map(
      (s) => html`<option value="${String(s.id)}"${selected(v.session, String(s.id))}>${examTitle(s, lang)}${s.term === 'additional' ? ` (${t('reports.form.additional')})` : ''}</option>`,
    )}
  </select>
  <p class="hint" id="session-hint">${t('reports.form.sessionHint')}</p>
  ${fieldError(page, p, 'session')}
</fieldset>
<fieldset>
  <legend>${t('reports.form.applicationsLegend')}</legend>
  <label for="from">${t('reports.form.from')}</label>
  <input type="datetime-local" id="from" name="from" value="${v.from ?? ''}"${described(p, 'from', 'range-hint')}>
  ${fieldError(page, p, 'from')}
  <label for="to">${t('reports.form.to')}</label>
  <input type="datetime-local" id="to" name="to" value="${v.to ?? ''}"${described(p, 'to', 'range-hint')}>
  <p class="hint" id="range-hint">${t('reports.form.rangeHint')}</p>
  ${fieldError(page, p, 'to')}
</fieldset>
<fieldset>
  <legend>${t('reports.form.graduatesLegend')}</legend>
  <label for="selection_date">${t('reports.form.selectionDate')}</label>
  <input type="date" id="selection_date" name="selection_date" value="${v.selection_date ?? ''}"${described(p, 'selection_date')}>
  ${fieldError(page, p, 'selection_date')}
  <label for="education">${t('reports.form.education')}</label>
  <select id="education" name="education"${described(p, 'education')}>
    <option value="basic"${selected(v.education, 'basic')}>${t('reports.form.basic')}</option>
    <option value="secondary"${selected(v.education, 'secondary')}>${t('reports.form.secondary')}</option>
  </select>
  ${fieldError(page, p, 'education')}
</fieldset>
<button type="submit">${t('reports.form.submit')}</button>
</form>`;
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
    n >= 1 && n <= pages && n !== list.page ? html`<a href="/staff/reports?page=${String(n)}" rel="${rel}">${label}</a>` : html`<span aria-hidden="true">${label}</span>`;
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
<p class="visually-hidden" aria-live="polite">${t('reports.list.summary', { finished, total: list.items.length })}</p>
${list.items.length === 0
  ? html`<p>${t('reports.list.empty')}</p>`
  : html`<div class="table-scroll"><table>
<thead><tr><th scope="col">${t('reports.list.name')}</th><th scope="col">${t('reports.list.requestedAt')}</th><th scope="col">${t('reports.list.status')}</th><th scope="col"><span class="visually-hidden">${t('reports.list.download')}</span></th></tr></thead>
<tbody>
${list.items.map(
  (item) => html`<tr id="report-${String(item.id)}"${item.id === list.highlight ? html` class="highlight"` : ''}>
<td>${t(`reportFile.name.${item.type}`)} <span class="muted">(${item.format.toUpperCase()})</span></td>
<td>${formatRigaDateTime(new Date(item.requested_at))}</td>
<td>${statusCell(page, item)}</td>
<td>${item.status === 'done' ? html`<a href="/staff/reports/${String(item.id)}/download" download>${t('reports.list.download')}<span class="visually-hidden"> ${t(`reportFile.name.${item.type}`)}, ${formatRigaDateTime(new Date(item.requested_at))}</span></a>` : ''}</td>
</tr>`,
)}
</tbody></table></div>`}
${pager(page, list)}
${inProgress ? html`<p class="hint"><a href="/staff/reports?page=${String(list.page)}">${t('reports.list.refresh')}</a></p>` : ''}
</section>`;
}

export function reportsPage(page: PageContext, form: ReportFormView, list: ReportListView) {
  const { t } = page;
  return layout(
    page,
    t('reports.title'),
    html`<p class="breadcrumb">${t('reports.breadcrumb')}</p>
<h1>${t('reports.title')}</h1>
${reportForm(page, form)}
${reportList(page, list)}`,
    { htmx: true },
  );
}
