/**
 * The candidates of an exam session (VPS "Organisation > Exam sessions > Candidates"): filter links, a search by
 * name or candidate code, sortable headings, pages, a CSV file and a print view of the filtered list, a
 * personal-code reveal per row and the bulk certificate download. Everything works as plain links and forms;
 * htmx only makes the reveal swap one cell. Yes/no columns show a mark for yes and nothing for no: a column of
 * "no" is noise that hides the few rows that matter.
 */
import { html } from 'hono/html';
import type { CandidateRow } from '../src/data/candidates.js';
import { CANDIDATE_FILTERS, MAX_SEARCH_LENGTH, type CandidateFilter, type CandidateSort } from '../src/domain/staff-lists.js';
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
  /** The search as typed (empty: none). */
  search: string;
}

export interface CandidatesView {
  session: ExamSession;
  scope: StaffScope;
  /** The agency's institution selector; empty for school users. */
  institutions: InstitutionChoice[];
  state: CandidateListState;
  counts: Record<CandidateFilter, number>;
  rows: CandidateRow[];
  /** Rows of the filter and search on all pages. */
  total: number;
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
  if (state.search !== '') params.set('q', state.search);
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

export function candidatesCsvHref(sessionId: number, state: CandidateListState): string {
  return `${candidatesPath(sessionId)}.csv${listQuery({ ...state, page: 1 })}`;
}

/** The print view's margin texts, in the page's language whatever the browser would send. */
export function printStylesheetHref(sessionId: number, state: CandidateListState, lang: string): string {
  return `${candidatesPath(sessionId)}/print.css?${state.institution !== null ? `institution=${state.institution}&` : ''}lang=${lang}`;
}

export function certificatesZipHref(sessionId: number, institution: number | null): string {
  return `/staff/sessions/${sessionId}/certificates.zip${institution !== null ? `?institution=${institution}` : ''}`;
}

export function sessionHeading(page: PageContext, session: ExamSession): string {
  const term = page.t(`sessions.term.${session.term}`);
  const dates = session.startsOn === session.endsOn ? formatDate(session.startsOn) : `${formatDate(session.startsOn)}–${formatDate(session.endsOn)}`;
  return `${examTitle(session, page.lang)} · ${session.examCode} · ${term} · ${dates}`;
}

/** A yes as a mark with its word for screen readers; a no or nothing recorded as an empty cell. */
function markCell(page: PageContext, yes: boolean | null, tone: 'plain' | 'warn' = 'plain') {
  if (!yes) return html`<td class="flag"></td>`;
  return html`<td class="flag ${tone === 'warn' ? 'bad' : 'yes'}"><span aria-hidden="true">✓</span><span class="visually-hidden">${page.t('candidates.value.yes')}</span></td>`;
}

/** Took part: a mark for yes; "partly" and "did not take part" are facts worth reading, so they are words. */
function tookPartCell(page: PageContext, value: CandidateRow['tookPart']) {
  if (value === null) return html`<td class="flag"></td>`;
  if (value === 'yes') return markCell(page, true);
  return html`<td class="flag ${value === 'no' ? 'bad' : ''}">${page.t(`candidates.value.${value === 'no' ? 'absent' : 'partly'}`)}</td>`;
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
${markCell(page, candidate.exempted)}
${tookPartCell(page, candidate.tookPart)}
${markCell(page, candidate.additionalTerm)}
${markCell(page, candidate.support)}
${markCell(page, candidate.annulled, 'warn')}
${markCell(page, candidate.work)}
<td>${candidate.internationalCertificate ?? ''}</td>
${showsInstitution(view) ? html`<td>${candidate.institutionName}</td>` : ''}
</tr>`;
}

function showsInstitution(view: Pick<CandidatesView, 'scope' | 'state'>): boolean {
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
  if (view.rows.length === 0) {
    return html`<p class="notice">${view.state.search !== '' ? t('staffTables.noMatch', { search: view.state.search }) : t('candidates.empty')}</p>`;
  }
  const searched = view.state.search !== '' ? `; ${t('staffTables.searchedFor', { search: view.state.search })}` : '';
  const tableHtml = html`<table class="candidates${print ? ' compact' : ''}">
<caption id="candidates-caption">${t('candidates.caption', { filter: filterName })}<span class="muted">${searched}; ${sortedBy}</span></caption>
<thead><tr><th scope="col">${t('candidates.col.number')}</th>${COLUMNS.map((c) => heading(page, view, c, print))}${showsInstitution(view) ? html`<th scope="col">${t('candidates.col.institution')}</th>` : ''}</tr></thead>
<tbody>
${view.rows.map((r, i) => row(page, view, r, i, print))}
</tbody>
</table>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="candidates-caption" tabindex="0">
${tableHtml}
</div>`;
}

function pagination(page: PageContext, view: CandidatesView) {
  const { t } = page;
  const total = view.total;
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

/** The search by name or candidate code: a plain GET form that keeps the filter, order and institution. */
function searchForm(page: PageContext, view: CandidatesView) {
  const { t } = page;
  const { state } = view;
  return html`<form method="get" action="${candidatesPath(view.session.id)}" class="choose search" role="search" aria-label="${t('staffTables.searchLabel')}">
${state.institution !== null ? hiddenField('institution', String(state.institution)) : ''}
${state.filter !== 'registered' ? hiddenField('filter', state.filter) : ''}
${state.sort !== DEFAULT_SORT || state.direction !== 'asc' ? html`${hiddenField('sort', state.sort)}${hiddenField('dir', state.direction)}` : ''}
${field(page, {
  name: 'q',
  type: 'search',
  label: t('staffTables.search'),
  hint: t('staffTables.searchHint'),
  value: state.search,
  attributes: { maxlength: String(MAX_SEARCH_LENGTH), autocomplete: 'off', spellcheck: 'false' },
})}
<button type="submit">${t('staffTables.searchButton')}</button>
${state.search !== '' ? html`<a href="${candidatesHref(view.session.id, state, { search: '', page: 1 })}">${t('staffTables.clearSearch')}</a>` : ''}
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
${searchForm(page, view)}
<div class="actions">
<a href="${candidatesHref(view.session.id, view.state, { page: 1 }, { print: '1' })}">${t('candidates.print')}</a>
<a href="${candidatesCsvHref(view.session.id, view.state)}" download>${t('staffTables.csv')}</a>
${
  view.certificatesFrom
    ? ''
    : html`<a class="button" href="${certificatesZipHref(view.session.id, view.state.institution)}" download aria-describedby="download-hint">${t('candidates.download')}</a>`
}
<p class="hint">${t('staffTables.csvHint')}</p>
<p id="download-hint" class="hint">${downloadHint}</p>
</div>`;
}

export function candidatesPage(page: PageContext, view: CandidatesView) {
  const { t } = page;
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
${pagination(page, view)}
${table(page, view, false)}
${view.rows.length > 0 && view.total > view.pageSize ? pagination(page, view) : ''}`,
    { htmx: true, wide: true },
  );
}

/** The institution the list is about, as a heading names it. */
function institutionName(page: PageContext, view: PrintedList): string {
  return view.scope.kind === 'school'
    ? view.scope.institutionName
    : (view.institutions.find((i) => i.id === view.institution)?.name ?? page.t('sessions.allInstitutions'));
}

/** What the printed sheets' margins name. */
export interface PrintedList {
  session: ExamSession;
  scope: StaffScope;
  institutions: InstitutionChoice[];
  institution: number | null;
}

/**
 * All rows of the filter and search on one printable page, without the site's navigation. Its own small
 * stylesheet (printStylesheet) puts the title and "page N of M" in the margins of every printed sheet; the
 * table's header row repeats on each.
 */
export function candidatesPrintPage(page: PageContext, view: CandidatesView, printedAt: Date) {
  const { t } = page;
  return html`<!doctype html>
<html lang="${page.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('candidates.title')} · ${view.session.examCode} · ${t('site.name')}</title>
<link rel="stylesheet" href="${page.assets.css}">
<link rel="stylesheet" href="${printStylesheetHref(view.session.id, view.state, page.lang)}">
<link rel="icon" href="data:,">
</head>
<body class="print-view">
<main id="main">
<p class="no-print"><a href="${candidatesHref(view.session.id, view.state, { page: 1 })}">${t('candidates.printBack')}</a> · ${t('candidates.printHint')}</p>
<h1>${t('candidates.title')}: ${sessionHeading(page, view.session)}</h1>
<p>${t('sessions.institution')}: ${institutionName(page, { ...view, institution: view.state.institution })} · ${t(`candidates.filter.${view.state.filter}`)} (${String(view.rows.length)}) · ${t('candidates.printed', { time: formatRigaDateTime(printedAt) })}</p>
${table(page, view, true)}
</main>
</body>
</html>`;
}

/** A text as a CSS string literal. */
function cssString(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\r\n]+/g, ' ')}"`;
}

/**
 * The print view's page margins: the list's title at the top of every sheet, "page N of M" at the bottom
 * (CSS paged media margin boxes, which Chromium prints). A stylesheet of its own because the portal's content
 * security policy allows no inline style.
 */
export function printStylesheet(page: PageContext, view: PrintedList): string {
  const { t } = page;
  const title = `${t('candidates.title')}: ${sessionHeading(page, view.session)} · ${institutionName(page, view)}`;
  // "{{page}}. lapa no {{pages}}" → "" counter(page) ". lapa no " counter(pages) "": the words stay translated.
  const pageNumber = t('staffTables.printPage', { page: '\u0000page\u0000', pages: '\u0000pages\u0000' })
    .split('\u0000')
    .map((part) => (part === 'page' || part === 'pages' ? `counter(${part})` : cssString(part)))
    .join(' ');
  return `@page {
  @top-left {
    content: ${cssString(title)};
  }
  @bottom-right {
    content: ${pageNumber};
  }
}
`;
}

/**
 * The filtered, searched and ordered list as the CSV file's cells, headings first: the table's columns in words
 * (a yes as the word, a no as an empty cell). Personal codes stay masked as on the screen: the file leaves the
 * portal, and a full code is seen one at a time, logged, through the reveal.
 */
export function candidatesCsvCells(page: PageContext, view: Pick<CandidatesView, 'rows' | 'scope' | 'state'>): string[][] {
  const { t } = page;
  const withInstitution = showsInstitution(view);
  const yes = (value: boolean | null) => (value ? t('candidates.value.yes') : '');
  const tookPart = (value: CandidateRow['tookPart']) =>
    value === null ? '' : value === 'yes' ? t('candidates.value.yes') : t(`candidates.value.${value === 'no' ? 'absent' : 'partly'}`);
  const headings = [
    t('candidates.col.number'),
    ...COLUMNS.map((c) => (c.key === 'international' ? t('candidates.colFull.international') : t(`candidates.col.${c.key}`))),
    ...(withInstitution ? [t('candidates.col.institution')] : []),
  ];
  return [
    headings,
    ...view.rows.map((r, i) => [
      String(i + 1),
      r.maskedPersonalCode,
      r.firstName,
      r.lastName,
      r.className ?? '',
      r.candidateCode,
      yes(r.exempted),
      tookPart(r.tookPart),
      yes(r.additionalTerm),
      yes(r.support),
      yes(r.annulled),
      yes(r.work),
      r.internationalCertificate ?? '',
      ...(withInstitution ? [r.institutionName] : []),
    ]),
  ];
}

/** The CSV file's name: the exam, the school year and the term, in ASCII. */
export function candidatesCsvName(session: ExamSession): string {
  return ['kartotaji', session.examCode, `${session.schoolYear}-${session.schoolYear + 1}`, session.term === 'additional' ? 'papildtermins' : '']
    .filter(Boolean)
    .join('-');
}
