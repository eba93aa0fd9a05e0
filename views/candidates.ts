/**
 * The candidates of an exam session (VPS "Organisation > Exam sessions > Candidates"): filter links, sortable
 * headings, pages, a print view, a personal-code reveal per row and the bulk certificate download. Everything
 * works as plain links and forms; htmx only makes the reveal swap one cell.
 */
import { html } from 'hono/html';
import type { CandidateRow } from '../src/data/candidates.js';
import { CANDIDATE_FILTERS, type CandidateFilter, type CandidateSort } from '../src/domain/staff-lists.js';
import type { ExamSession } from '../src/data/exam-sessions.js';
import type { InstitutionChoice } from '../src/data/institutions.js';
import type { StaffScope } from '../src/data/staff.js';
import { examTitle } from '../src/domain/exam-title.js';
import { formatPersonalCode } from '../src/domain/personal-code.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { csrfField, field, hiddenField } from './forms.js';
import { layout, type Html, type PageContext } from './layout.js';

export const DEFAULT_SORT: CandidateSort = 'lastName';

export interface CandidateListState {
  /** The institution named in the address (agency staff only; school users never name one). */
  institution: number | null;
  filter: CandidateFilter;
  sort: CandidateSort;
  direction: 'asc' | 'desc';
  page: number;
}

export interface CandidatesView {
  session: ExamSession;
  scope: StaffScope;
  /** The agency's institution selector; empty for school users. */
  institutions: InstitutionChoice[];
  state: CandidateListState;
  counts: Record<CandidateFilter, number>;
  rows: CandidateRow[];
  /** Index of the first row among all rows of the filter (0 for the print view). */
  offset: number;
  pageSize: number;
  /** A personal code shown in full after a reveal without JavaScript. */
  revealed?: { registrationId: number; personalCode: string };
  /** Set when the certificates are not yet available to this user: the moment they will be. */
  certificatesFrom?: Date;
}

type Column = { key: string; sort?: CandidateSort };

const COLUMNS: readonly Column[] = [
  { key: 'personalCode', sort: 'personalCode' },
  { key: 'firstName', sort: 'firstName' },
  { key: 'lastName', sort: 'lastName' },
  { key: 'className', sort: 'className' },
  { key: 'candidateCode', sort: 'candidateCode' },
  { key: 'exempted', sort: 'exempted' },
  { key: 'tookPart', sort: 'tookPart' },
  { key: 'additionalTerm' },
  { key: 'support' },
  { key: 'annulled' },
  { key: 'work' },
  { key: 'international', sort: 'international' },
];

export function candidatesPath(sessionId: number): string {
  return `/staff/sessions/${sessionId}/candidates`;
}

function listQuery(state: CandidateListState, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  if (state.institution !== null) params.set('institution', String(state.institution));
  if (state.filter !== 'registered') params.set('filter', state.filter);
  if (state.sort !== DEFAULT_SORT || state.direction !== 'asc') {
    params.set('sort', state.sort);
    params.set('dir', state.direction);
  }
  if (state.page > 1) params.set('page', String(state.page));
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  const query = params.toString();
  return query ? `?${query}` : '';
}

export function candidatesHref(
  sessionId: number,
  state: CandidateListState,
  change: Partial<CandidateListState> = {},
  extra: Record<string, string> = {},
): string {
  return candidatesPath(sessionId) + listQuery({ ...state, ...change }, extra);
}

export function certificatesZipHref(sessionId: number, institution: number | null): string {
  return `/staff/sessions/${sessionId}/certificates.zip${institution !== null ? `?institution=${institution}` : ''}`;
}

export function sessionHeading(page: PageContext, session: ExamSession): string {
  const term = page.t(`sessions.term.${session.term}`);
  const dates = session.startsOn === session.endsOn ? formatDate(session.startsOn) : `${formatDate(session.startsOn)}–${formatDate(session.endsOn)}`;
  return `${examTitle(session, page.lang)} · ${session.examCode} · ${term} · ${dates}`;
}

function yesNo(page: PageContext, value: boolean | null, tone: 'plain' | 'warn' = 'plain', words: 'yes' | 'present' = 'yes') {
  if (value === null) return html`<td class="flag unknown">${page.t('candidates.value.unknown')}</td>`;
  const word = value ? page.t(`candidates.value.${words === 'yes' ? 'yes' : 'present'}`) : page.t(`candidates.value.${words === 'yes' ? 'no' : 'none'}`);
  const cls = value ? (tone === 'warn' ? 'flag bad' : 'flag yes') : 'flag no';
  return html`<td class="${cls}"><span aria-hidden="true">${value ? '✓' : '×'}</span> ${word}</td>`;
}

function tookPartCell(page: PageContext, value: CandidateRow['tookPart']) {
  if (value === null) return yesNo(page, null);
  const mark = value === 'no' ? '×' : '✓';
  return html`<td class="flag ${value === 'no' ? 'no' : 'yes'}"><span aria-hidden="true">${mark}</span> ${page.t(`candidates.value.${value}`)}</td>`;
}

function internationalCell(page: PageContext, name: string | null) {
  return name === null
    ? html`<td class="flag no"><span aria-hidden="true">×</span> ${page.t('candidates.value.none')}</td>`
    : html`<td class="flag yes"><span aria-hidden="true">✓</span> ${name}</td>`;
}

/** The personal-code cell's content: the masked code and a reveal button, or the full code once revealed. */
export function personalCodeContent(
  page: PageContext,
  sessionId: number,
  row: Pick<CandidateRow, 'registrationId' | 'maskedPersonalCode' | 'firstName' | 'lastName'>,
  state: CandidateListState,
  revealed?: string,
) {
  if (revealed !== undefined) return revealedCode(revealed);
  const action = `${candidatesPath(sessionId)}/${row.registrationId}/reveal${listQuery(state)}`;
  const csrf = page.user?.csrfToken ?? '';
  return html`<span class="code">${row.maskedPersonalCode}</span>
<form method="post" action="${action}" class="inline reveal" hx-post="${action}" hx-target="#pc-${String(row.registrationId)}" hx-swap="innerHTML" hx-headers="${JSON.stringify({ 'X-CSRF-Token': csrf })}">${csrfField(page.user)}<button type="submit" class="link">${page.t('candidates.reveal')}<span class="visually-hidden"> ${page.t('candidates.revealWhose', { name: `${row.firstName} ${row.lastName}` })}</span></button></form>`;
}

export function revealedCode(personalCode: string) {
  return html`<span class="code revealed">${formatPersonalCode(personalCode)}</span>`;
}

function row(page: PageContext, view: CandidatesView, candidate: CandidateRow, index: number, print: boolean) {
  const revealed = view.revealed?.registrationId === candidate.registrationId ? view.revealed.personalCode : undefined;
  return html`<tr>
<td class="num">${String(view.offset + index + 1)}</td>
<td id="pc-${String(candidate.registrationId)}" class="nowrap">${print ? html`<span class="code">${candidate.maskedPersonalCode}</span>` : personalCodeContent(page, view.session.id, candidate, view.state, revealed)}</td>
<td>${candidate.firstName}</td>
<th scope="row">${candidate.lastName}</th>
<td>${candidate.className ?? ''}</td>
<td class="nowrap">${candidate.candidateCode}</td>
${yesNo(page, candidate.exempted)}
${tookPartCell(page, candidate.tookPart)}
${yesNo(page, candidate.additionalTerm)}
${yesNo(page, candidate.support)}
${yesNo(page, candidate.annulled, 'warn')}
${yesNo(page, candidate.work, 'plain', 'present')}
${internationalCell(page, candidate.internationalCertificate)}
${showsInstitution(view) ? html`<td>${candidate.institutionName}</td>` : ''}
</tr>`;
}

function showsInstitution(view: CandidatesView): boolean {
  return view.scope.kind === 'agency' && view.state.institution === null;
}

function heading(page: PageContext, view: CandidatesView, column: Column, print: boolean) {
  const label =
    column.key === 'international'
      ? html`<abbr title="${page.t('candidates.colFull.international')}">${page.t('candidates.col.international')}</abbr>`
      : page.t(`candidates.col.${column.key}`);
  if (!column.sort || print) return html`<th scope="col">${label}</th>`;
  const active = view.state.sort === column.sort;
  const next = active && view.state.direction === 'asc' ? 'desc' : 'asc';
  const href = candidatesHref(view.session.id, view.state, { sort: column.sort, direction: next, page: 1 });
  const ariaSort = active ? html` aria-sort="${view.state.direction === 'asc' ? 'ascending' : 'descending'}"` : '';
  const arrow = active ? (view.state.direction === 'asc' ? '▲' : '▼') : '';
  return html`<th scope="col"${ariaSort}><a href="${href}">${label}${arrow ? html` <span aria-hidden="true">${arrow}</span>` : ''}<span class="visually-hidden">, ${page.t(`candidates.sortBy.${next}`)}</span></a></th>`;
}

function table(page: PageContext, view: CandidatesView, print: boolean) {
  const { t } = page;
  const filterName = t(`candidates.filter.${view.state.filter}`);
  const sortedBy = t('candidates.sortedBy', {
    column: t(`candidates.col.${COLUMNS.find((c) => c.sort === view.state.sort)!.key}`),
    direction: t(`candidates.direction.${view.state.direction}`),
  });
  if (view.rows.length === 0) return html`<p class="notice">${t('candidates.empty')}</p>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="candidates-caption" tabindex="0">
<table class="candidates">
<caption id="candidates-caption">${t('candidates.caption', { filter: filterName })}<span class="muted">; ${sortedBy}</span></caption>
<thead><tr><th scope="col">${t('candidates.col.number')}</th>${COLUMNS.map((c) => heading(page, view, c, print))}${showsInstitution(view) ? html`<th scope="col">${t('candidates.col.institution')}</th>` : ''}</tr></thead>
<tbody>
${view.rows.map((r, i) => row(page, view, r, i, print))}
</tbody>
</table>
</div>`;
}

function pagination(page: PageContext, view: CandidatesView, total: number) {
  const { t } = page;
  const pages = Math.max(1, Math.ceil(total / view.pageSize));
  const current = view.state.page;
  const range = total === 0 ? '' : t('candidates.range', { from: view.offset + 1, to: view.offset + view.rows.length, total });
  if (pages === 1) return html`<p class="range">${range}</p>`;
  const shown = [...new Set([1, current - 2, current - 1, current, current + 1, current + 2, pages])].filter((p) => p >= 1 && p <= pages).sort((a, b) => a - b);
  const link = (n: number, text: string | Html, rel?: string) =>
    html`<a href="${candidatesHref(view.session.id, view.state, { page: n })}"${rel ? html` rel="${rel}"` : ''}>${text}</a>`;
  return html`<nav class="pagination" aria-label="${t('candidates.pages')}">
<p class="range">${range}</p>
<ul>
${current > 1 ? html`<li>${link(current - 1, t('candidates.previous'), 'prev')}</li>` : ''}
${shown.map(
  (n, i) =>
    html`${i > 0 && n - shown[i - 1]! > 1 ? html`<li aria-hidden="true">…</li>` : ''}<li>${
      n === current
        ? html`<a href="${candidatesHref(view.session.id, view.state, { page: n })}" aria-current="page">${String(n)}<span class="visually-hidden"> ${t('candidates.pageOf', { page: n, pages })}</span></a>`
        : link(n, html`${String(n)}<span class="visually-hidden"> ${t('candidates.pageOf', { page: n, pages })}</span>`)
    }</li>`,
)}
${current < pages ? html`<li>${link(current + 1, t('candidates.next'), 'next')}</li>` : ''}
</ul>
</nav>`;
}

/** The agency's choice of institution, here and on the sessions page. */
export function institutionField(page: PageContext, institutions: readonly InstitutionChoice[], chosen: number | null) {
  const { t } = page;
  return field(page, {
    control: 'select',
    name: 'institution',
    label: t('sessions.institution'),
    value: chosen === null ? undefined : String(chosen),
    options: [
      { value: '', text: t('sessions.allInstitutions') },
      ...institutions.map((i) => ({ value: String(i.id), text: `${i.name} (${i.registrationNumber})` })),
    ],
  });
}

function institutionForm(page: PageContext, view: CandidatesView) {
  const { t } = page;
  return html`<form method="get" action="${candidatesPath(view.session.id)}" class="choose">
${institutionField(page, view.institutions, view.state.institution)}
${view.state.filter !== 'registered' ? hiddenField('filter', view.state.filter) : ''}
<button type="submit">${t('sessions.show')}</button>
</form>`;
}

function toolbar(page: PageContext, view: CandidatesView) {
  const { t } = page;
  const downloadHint = view.certificatesFrom ? t('candidates.notYet', { time: formatRigaDateTime(view.certificatesFrom) }) : t('candidates.downloadHint');
  return html`<nav aria-label="${t('candidates.filtersLabel')}">
<ul class="filters">
${CANDIDATE_FILTERS.map((f) => {
  const current = view.state.filter === f;
  return html`<li><a class="filter" href="${candidatesHref(view.session.id, view.state, { filter: f, page: 1 })}"${current ? html` aria-current="page"` : ''}>${t(`candidates.filter.${f}`)} <span class="count">(${String(view.counts[f])})</span></a></li>`;
})}
</ul>
</nav>
<div class="actions">
<a href="${candidatesHref(view.session.id, view.state, { page: 1 }, { print: '1' })}">${t('candidates.print')}</a>
${
  view.certificatesFrom
    ? ''
    : html`<a class="button" href="${certificatesZipHref(view.session.id, view.state.institution)}" download aria-describedby="download-hint">${t('candidates.download')}</a>`
}
<p id="download-hint" class="hint">${downloadHint}</p>
</div>`;
}

export function candidatesPage(page: PageContext, view: CandidatesView) {
  const { t } = page;
  const total = view.counts[view.state.filter];
  const back = `/staff/sessions?year=${view.session.schoolYear}${view.state.institution !== null ? `&institution=${view.state.institution}` : ''}`;
  return layout(
    page,
    `${t('candidates.title')} · ${view.session.examCode}`,
    html`<p><a href="${back}">${t('candidates.back')}</a></p>
<h1>${t('candidates.title')}</h1>
<p class="lead">${sessionHeading(page, view.session)}</p>
${view.scope.kind === 'school' ? html`<p class="muted">${t('sessions.scope', { name: view.scope.institutionName })}</p>` : institutionForm(page, view)}
${toolbar(page, view)}
<p class="hint">${t('candidates.revealNotice')}</p>
${pagination(page, view, total)}
${table(page, view, false)}
${view.rows.length > 0 && total > view.pageSize ? pagination(page, view, total) : ''}`,
    { htmx: true },
  );
}

/** All rows of the filter on one printable page, without the site's navigation. */
export function candidatesPrintPage(page: PageContext, view: CandidatesView, printedAt: Date) {
  const { t } = page;
  const institution =
    view.scope.kind === 'school'
      ? view.scope.institutionName
      : (view.institutions.find((i) => i.id === view.state.institution)?.name ?? t('sessions.allInstitutions'));
  return html`<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('candidates.title')} · ${view.session.examCode} · ${t('site.name')}</title>
<link rel="stylesheet" href="${page.assets.css}">
<link rel="icon" href="data:,">
</head>
<body class="print-view">
<main id="main">
<p class="no-print"><a href="${candidatesHref(view.session.id, view.state, { page: 1 })}">${t('candidates.printBack')}</a> · ${t('candidates.printHint')}</p>
<h1>${t('candidates.title')}: ${sessionHeading(page, view.session)}</h1>
<p>${t('sessions.institution')}: ${institution} · ${t(`candidates.filter.${view.state.filter}`)} (${String(view.rows.length)}) · ${t('candidates.printed', { time: formatRigaDateTime(printedAt) })}</p>
${table(page, view, true)}
</main>
</body>
</html>`;
}
