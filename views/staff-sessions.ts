/**
 * "Organisation > Exam sessions" ("Pārbaudījumu norises"): the sessions with the institution's candidates in a
 * school year, basic and secondary education apart, each with its totals; agency staff find a school among
 * some two hundred by typing part of its name or registration number. Also the page shown when certificates
 * are not available yet, and the files the bulk download carries besides the certificates.
 */
import { html } from 'hono/html';
import type { ArchiveIndexEntry, ArchiveNote } from '../src/data/certificate-archive.js';
import type { ExamSession, ExamSessionCounts } from '../src/data/exam-sessions.js';
import type { InstitutionChoice } from '../src/data/institutions.js';
import type { StaffScope } from '../src/data/staff.js';
import { examTitle } from '../src/domain/exam-title.js';
import { compareLatvian } from '../src/domain/staff-lists.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { translator } from '../src/i18n.js';
import { candidatesPath, sessionHeading } from './candidates.js';
import { errorSummary, field } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface SessionsView {
  scope: StaffScope;
  /** The agency's institution selector; empty for school users. */
  institutions: InstitutionChoice[];
  /** The institution named in the address (agency staff only). */
  institution: number | null;
  /** School years with registrations, newest first. */
  years: number[];
  year: number | undefined;
  sessions: ExamSessionCounts[];
  /** The school search as typed (agency staff). */
  schoolSearch: string;
  /** Several schools matched the search (or none): the choice to make before any table. */
  schoolMatches?: InstitutionChoice[];
}

function yearName(page: PageContext, year: number): string {
  return page.lang === 'lv' ? `${schoolYearLabel(year)} m.g.` : schoolYearName(year);
}

function dates(session: { startsOn: string; endsOn: string }): string {
  return session.startsOn === session.endsOn ? formatDate(session.startsOn) : `${formatDate(session.startsOn)}–${formatDate(session.endsOn)}`;
}

/** The school search of agency staff: a text field that suggests names as one types (a datalist). */
function schoolField(page: PageContext, view: SessionsView) {
  const { t } = page;
  const chosen = view.institutions.find((i) => i.id === view.institution);
  const error = view.schoolMatches?.length === 0 ? t('staffTables.schoolNotFound', { search: view.schoolSearch }) : undefined;
  return html`${field(page, {
    name: 'school',
    type: 'search',
    label: t('staffTables.school'),
    hint: t('staffTables.schoolHint'),
    value: view.schoolSearch !== '' ? view.schoolSearch : chosen ? schoolLabel(chosen) : '',
    error,
    attributes: { list: 'school-names', autocomplete: 'off', spellcheck: 'false', maxlength: '100' },
  })}
<datalist id="school-names">
${view.institutions.map((i) => html`<option value="${schoolLabel(i)}"></option>`)}
</datalist>`;
}

function schoolLabel(institution: InstitutionChoice): string {
  return `${institution.name} (${institution.registrationNumber})`;
}

function chooser(page: PageContext, view: SessionsView) {
  const { t } = page;
  return html`<form method="get" action="/staff/sessions" class="choose">
${view.scope.kind === 'agency' ? schoolField(page, view) : ''}
${
  view.years.length > 0
    ? field(page, {
        control: 'select',
        name: 'year',
        label: t('sessions.year'),
        value: view.year === undefined ? undefined : String(view.year),
        options: view.years.map((y) => ({ value: String(y), text: yearName(page, y) })),
      })
    : ''
}
<button type="submit">${t('sessions.show')}</button>
</form>
${view.scope.kind === 'agency' && view.institution !== null ? html`<p><a href="/staff/sessions${view.year !== undefined ? `?year=${view.year}` : ''}">${t('staffTables.allSchools')}</a></p>` : ''}`;
}

/** Several schools matched: each is a link to its sessions. */
function schoolChoice(page: PageContext, view: SessionsView, matches: InstitutionChoice[]) {
  const { t } = page;
  const year = view.year !== undefined ? `&year=${view.year}` : '';
  return html`<h2>${t('staffTables.schoolMatches', { count: matches.length, search: view.schoolSearch })}</h2>
<ul class="school-matches">
${matches.map((i) => html`<li><a href="/staff/sessions?institution=${String(i.id)}${year}">${i.name}</a> <span class="muted">${i.registrationNumber}</span></li>`)}
</ul>`;
}

type Totals = Pick<ExamSessionCounts, 'registered' | 'tookPart' | 'issued' | 'annulled'>;

/** The sum of a group's counts; certificates only when every session's are visible. */
function totals(sessions: readonly ExamSessionCounts[]): Totals {
  const sum = (pick: (s: ExamSessionCounts) => number | null) =>
    sessions.some((s) => pick(s) === null) ? null : sessions.reduce((total, s) => total + pick(s)!, 0);
  return {
    registered: sum((s) => s.registered)!,
    tookPart: sum((s) => s.tookPart)!,
    issued: sum((s) => s.issued),
    annulled: sum((s) => s.annulled),
  };
}

function countCells(page: PageContext, counts: Totals, resultsAt?: Date) {
  return html`<td class="num">${String(counts.registered)}</td>
<td class="num">${String(counts.tookPart)}</td>
${
  counts.issued === null || counts.annulled === null
    ? html`<td colspan="2" class="nowrap muted">${resultsAt ? page.t('sessions.countsFrom', { time: formatRigaDateTime(resultsAt) }) : page.t('staffTables.notYetVisible')}</td>`
    : html`<td class="num">${String(counts.issued)}</td>
<td class="num">${String(counts.annulled)}</td>`
}`;
}

function sessionsTable(page: PageContext, view: SessionsView) {
  const { t } = page;
  const query = view.institution !== null ? `?institution=${view.institution}` : '';
  const groups = (['basic', 'secondary'] as const)
    .map((education) => ({ education, sessions: view.sessions.filter((s) => s.education === education) }))
    .filter((g) => g.sessions.length > 0);
  const all = totals(view.sessions);
  return html`<div class="table-scroll" role="region" aria-labelledby="sessions-caption" tabindex="0">
<table class="sessions">
<caption id="sessions-caption">${t('sessions.caption', { year: yearName(page, view.year!) })}</caption>
<thead><tr>
<th scope="col">${t('sessions.col.exam')}</th>
<th scope="col">${t('sessions.col.term')}</th>
<th scope="col">${t('sessions.col.dates')}</th>
<th scope="col" class="num">${t('sessions.col.registered')}</th>
<th scope="col" class="num">${t('sessions.col.tookPart')}</th>
<th scope="col" class="num">${t('sessions.col.issued')}</th>
<th scope="col" class="num">${t('sessions.col.annulled')}</th>
</tr></thead>
${groups.map(
  (group) => html`<tbody>
<tr class="group"><th scope="colgroup" colspan="7" id="group-${group.education}">${t(`staffTables.education.${group.education}`)}</th></tr>
${group.sessions.map(
  (s) => html`<tr>
<th scope="row"><a href="${candidatesPath(s.id)}${query}">${examTitle(s, page.lang)}</a> <span class="muted">${s.examCode}</span></th>
<td>${t(`sessions.term.${s.term}`)}</td>
<td class="nowrap">${dates(s)}</td>
${countCells(page, s, s.resultsAt)}
</tr>`,
)}
<tr class="total"><th scope="row" colspan="3">${t('staffTables.groupTotal', { group: t(`staffTables.education.${group.education}`) })}</th>
${countCells(page, totals(group.sessions))}
</tr>
</tbody>`,
)}
${
  groups.length > 1
    ? html`<tfoot><tr class="total"><th scope="row" colspan="3">${t('staffTables.total')}</th>
${countCells(page, all)}
</tr></tfoot>`
    : ''
}
</table>
</div>`;
}

export function sessionsPage(page: PageContext, view: SessionsView) {
  const { t } = page;
  const error = view.schoolMatches?.length === 0;
  return layout(
    page,
    t('sessions.title'),
    html`<h1>${t('sessions.title')}</h1>
${error ? errorSummary(page, { errors: [{ field: 'school', text: t('staffTables.schoolNotFound', { search: view.schoolSearch }) }] }) : ''}
${view.scope.kind === 'school' ? html`<p class="muted">${t('sessions.scope', { name: view.scope.institutionName })}</p>` : ''}
<p>${t('sessions.intro')}</p>
${chooser(page, view)}
${
  view.schoolMatches !== undefined
    ? view.schoolMatches.length > 0
      ? schoolChoice(page, view, view.schoolMatches)
      : ''
    : view.year === undefined
      ? html`<p class="notice">${t('sessions.none')}</p>`
      : view.sessions.length === 0
        ? html`<p class="notice">${t('sessions.noneInYear')}</p>`
        : sessionsTable(page, view)
}`,
    { htmx: true, wide: true, error },
  );
}

/** The bulk download asked for before the session's results open (school users). */
export function certificatesNotYetPage(page: PageContext, session: ExamSession, back: string) {
  const { t } = page;
  return layout(
    page,
    t('sessions.notYet.title'),
    html`<h1>${t('sessions.notYet.title')}</h1>
<p class="lead">${sessionHeading(page, session)}</p>
<p>${t('sessions.notYet.text', { time: formatRigaDateTime(session.resultsAt) })}</p>
<p><a href="${back}">${t('candidates.printBack')}</a></p>`,
  );
}

export const ARCHIVE_NOTE_NAME = 'anuletie-sertifikati.txt';
export const ARCHIVE_INDEX_NAME = 'saraksts.csv';

/**
 * The bulk download's index as CSV cells, headings first: each certificate's number, the holder's name, the exam
 * and the file in the archive, by surname in Latvian order.
 */
export function archiveIndexCells(page: PageContext, session: ExamSession, entries: readonly ArchiveIndexEntry[]): string[][] {
  const { t } = page;
  const exam = `${examTitle(session, page.lang)} (${session.examCode}), ${t(`sessions.term.${session.term}`)}`;
  const sorted = [...entries].sort(
    (a, b) => compareLatvian(a.lastName, b.lastName) || compareLatvian(a.firstName, b.firstName) || a.number.localeCompare(b.number),
  );
  return [
    [
      t('staffTables.index.number'),
      t('staffTables.index.lastName'),
      t('staffTables.index.firstName'),
      t('staffTables.index.exam'),
      t('staffTables.index.file'),
    ],
    ...sorted.map((e) => [e.number, e.lastName, e.firstName, exam, e.fileName]),
  ];
}

/** The text file inside the bulk download, in Latvian and then English. */
export function archiveNoteText(session: ExamSession, note: ArchiveNote): string {
  const lines: string[] = [];
  for (const lang of ['lv', 'en'] as const) {
    const t = translator(lang);
    lines.push(
      t('sessions.archive.heading'),
      t('sessions.archive.session', { exam: `${examTitle(session, lang)} (${session.examCode}), ${t(`sessions.term.${session.term}`)}` }),
      '',
    );
    if (note.annulled.length === 0) lines.push(t('sessions.archive.noAnnulled'));
    for (const a of note.annulled) {
      lines.push(
        t('sessions.archive.annulled', { number: a.number, date: a.annulledAt ? formatRigaDateTime(new Date(a.annulledAt)) : '', reason: a.reason ?? '' }),
      );
    }
    if (note.unavailable.length > 0) {
      lines.push('', t('sessions.archive.unavailable'), ...note.unavailable);
    }
    lines.push('');
  }
  return lines.join('\r\n');
}
