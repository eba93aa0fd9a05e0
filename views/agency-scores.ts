/**
 * Agency staff: "Score files" (`/staff/agency/scores`): choose an exam session, upload its score file (CSV or
 * XLSX), see the preview (rows new, changed and unchanged, or every problem with its row, column and reason, in
 * a table sorted by any column and downloadable as CSV), save it, and the session's import history.
 */
import { html } from 'hono/html';
import type { ExamSession } from '../src/data/exam-sessions.js';
import type { ScoreUploadView } from '../src/data/score-uploads.js';
import { schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { agencyNav, contactLine } from './agency-nav.js';
import { csrfField, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export function sessionName(page: PageContext, s: Pick<ExamSession, 'examCode' | 'schoolYear' | 'term' | 'startsOn'>): string {
  return `${s.examCode} · ${schoolYearName(s.schoolYear)} · ${page.t(`agencyExams.term.${s.term}`)} ${formatDate(s.startsOn)}`;
}

export function sessionChooser(page: PageContext, action: string, sessions: readonly ExamSession[], selected: number | undefined) {
  const { t } = page;
  return html`<form method="get" action="${action}" class="choose">
${field(page, {
  control: 'select',
  name: 'session',
  label: t('agencyExams.session'),
  value: selected === undefined ? '' : String(selected),
  options: [{ value: '', text: t('agencyExams.chooseSession') }, ...sessions.map((s) => ({ value: String(s.id), text: sessionName(page, s) }))],
})}
<button type="submit">${t('agencyExams.show')}</button>
</form>`;
}

export interface ScoresView {
  sessions: ExamSession[];
  session?: ExamSession;
  history: ScoreUploadView[];
  errors: FormError[];
  message?: string;
}

function historyTable(page: PageContext, history: readonly ScoreUploadView[]) {
  const { t } = page;
  if (history.length === 0) return html`<p>${t('agencyExams.history.empty')}</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="history-title"><table class="score-history">
<thead><tr><th scope="col">${t('agencyExams.history.when')}</th><th scope="col">${t('agencyExams.history.who')}</th><th scope="col">${t('agencyExams.history.file')}</th><th scope="col">${t('agencyExams.history.outcome')}</th></tr></thead>
<tbody>
${history.map(
  (h) => html`<tr id="upload-${String(h.id)}">
<td>${formatRigaDateTime(new Date(h.uploadedAt))}</td>
<td>${h.uploadedBy}</td>
<td>${h.fileName}<br><span class="muted sha">SHA-256 ${h.sha256}</span></td>
<td>${t(`agencyExams.history.status.${h.status}`, { created: h.created, updated: h.updated, unchanged: h.unchanged, problems: h.problems.length })}</td>
</tr>`,
)}
</tbody></table></div>`;
}

export function scoresPage(page: PageContext, view: ScoresView) {
  const { t } = page;
  const s = view.session;
  return layout(
    page,
    t('agencyExams.scores.title'),
    html`${agencyNav(page, 'scores')}
<h1>${t('agencyExams.scores.title')}</h1>
${errorSummary(page, { errors: view.errors })}
${view.message ? html`<p class="notice success" role="status">${view.message}</p>` : ''}
${sessionChooser(page, '/staff/agency/scores', view.sessions, s?.id)}
${
  s
    ? html`<section aria-labelledby="upload-title">
<h2 id="upload-title">${t('agencyExams.scores.upload', { session: sessionName(page, s) })}</h2>
<form method="post" action="/staff/agency/scores/upload" enctype="multipart/form-data" class="stack">
${csrfField(page.user)}${hiddenField('session', String(s.id))}
${field(page, {
  name: 'file',
  type: 'file',
  label: t('agencyExams.scores.file'),
  hint: t('agencyExams.scores.fileHint'),
  error: view.errors.find((e) => e.field === 'file')?.text,
  attributes: { accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', required: true },
})}
<button type="submit">${t('agencyExams.scores.check')}</button>
</form>
</section>
<section aria-labelledby="history-title">
<h2 id="history-title">${t('agencyExams.history.title')}</h2>
${historyTable(page, view.history)}
</section>`
    : html`<p class="notice">${t('agencyExams.scores.chooseFirst')}</p>`
}
${contactLine(page)}`,
    { error: view.errors.length > 0 },
  );
}

export type ProblemSort = 'row' | 'column' | 'reason';

export interface ProblemLine {
  row: number | null;
  column: string;
  reason: string;
}

export interface PreviewView {
  upload: ScoreUploadView;
  session: ExamSession;
  /** The problems, already translated and sorted. */
  problems: ProblemLine[];
  sort: ProblemSort;
  errors: FormError[];
}

function sortHeader(page: PageContext, view: PreviewView, key: ProblemSort) {
  const { t } = page;
  const current = view.sort === key;
  return html`<th scope="col"${current ? html` aria-sort="ascending"` : ''}><a href="/staff/agency/scores/preview/${String(view.upload.id)}?sort=${key}#problems-title">${t(`agencyExams.preview.${key}`)}${current ? html`<span aria-hidden="true"> ▲</span>` : ''}</a></th>`;
}

export function previewPage(page: PageContext, view: PreviewView) {
  const { t } = page;
  const { upload } = view;
  const refused = upload.status === 'refused';
  return layout(
    page,
    t('agencyExams.preview.title'),
    html`${agencyNav(page, 'scores')}
<p class="breadcrumb"><a href="/staff/agency/scores?session=${String(view.session.id)}">${t('agencyExams.scores.title')}</a></p>
<h1>${t('agencyExams.preview.title')}</h1>
${errorSummary(page, { errors: view.errors })}
<p>${t('agencyExams.preview.file', { file: upload.fileName, session: sessionName(page, view.session) })}<br><span class="muted sha">SHA-256 ${upload.sha256}</span></p>
${
  refused
    ? html`<div class="notice warning" role="alert"><p><strong>${t('agencyExams.preview.refused', { count: view.problems.length })}</strong></p><p>${t('agencyExams.preview.refusedNext')}</p></div>
<h2 id="problems-title">${t('agencyExams.preview.problems')}</h2>
<p><a href="/staff/agency/scores/preview/${String(upload.id)}/problems.csv" download>${t('agencyExams.preview.download')}</a></p>
<div class="table-scroll" tabindex="0" role="region" aria-labelledby="problems-title"><table class="score-problems">
<caption class="visually-hidden">${t('agencyExams.preview.sortedBy', { column: t(`agencyExams.preview.${view.sort}`) })}</caption>
<thead><tr>${sortHeader(page, view, 'row')}${sortHeader(page, view, 'column')}${sortHeader(page, view, 'reason')}</tr></thead>
<tbody>
${view.problems.map((p) => html`<tr><td>${p.row === null ? '–' : String(p.row)}</td><td>${p.column || '–'}</td><td>${p.reason}</td></tr>`)}
</tbody></table></div>
<p><a href="/staff/agency/scores?session=${String(view.session.id)}#file">${t('agencyExams.preview.uploadCorrected')}</a></p>`
    : html`<dl class="counts">
<div><dt>${t('agencyExams.preview.new')}</dt><dd>${String(upload.created)}</dd></div>
<div><dt>${t('agencyExams.preview.changed')}</dt><dd>${String(upload.updated)}</dd></div>
<div><dt>${t('agencyExams.preview.unchanged')}</dt><dd>${String(upload.unchanged)}</dd></div>
</dl>
${
  upload.status === 'previewed'
    ? html`<p>${t('agencyExams.preview.saveHint', { until: formatRigaDateTime(new Date(upload.expiresAt!)) })}</p>
<form method="post" action="/staff/agency/scores/preview/${String(upload.id)}/save" class="stack">
${csrfField(page.user)}
<button type="submit">${t('agencyExams.preview.save')}</button>
<a href="/staff/agency/scores?session=${String(view.session.id)}">${t('agencyExams.cancel')}</a>
</form>`
    : html`<p class="notice">${t(`agencyExams.preview.status.${upload.status}`)}</p>`
}`
}
${contactLine(page)}`,
    { error: view.errors.length > 0 || refused },
  );
}
