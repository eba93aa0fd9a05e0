/**
 * "Organisation > Exam sessions" ("Pārbaudījumu norises"): the sessions with the institution's candidates in a
 * school year, with counts; the page shown when certificates are not available yet; and the text file that
 * the bulk download carries about what it leaves out.
 */
import { html } from 'hono/html';
import type { ArchiveNote } from '../src/data/certificate-archive.js';
import type { ExamSession, ExamSessionCounts } from '../src/data/exam-sessions.js';
import type { InstitutionChoice } from '../src/data/institutions.js';
import type { StaffScope } from '../src/data/staff.js';
import { examTitle } from '../src/domain/exam-title.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { translator } from '../src/i18n.js';
import { candidatesPath, institutionField, sessionHeading } from './candidates.js';
import { field } from './forms.js';
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
}

function yearName(page: PageContext, year: number): string {
  return page.lang === 'lv' ? `${schoolYearLabel(year)} m.g.` : schoolYearName(year);
}

function dates(session: { startsOn: string; endsOn: string }): string {
  return session.startsOn === session.endsOn ? formatDate(session.startsOn) : `${formatDate(session.startsOn)}–${formatDate(session.endsOn)}`;
}

function chooser(page: PageContext, view: SessionsView) {
  const { t } = page;
  return html`<form method="get" action="/staff/sessions" class="choose">
${view.scope.kind === 'agency' ? institutionField(page, view.institutions, view.institution) : ''}
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
</form>`;
}

function sessionsTable(page: PageContext, view: SessionsView) {
  const { t } = page;
  const query = view.institution !== null ? `?institution=${view.institution}` : '';
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
<tbody>
${view.sessions.map(
  (s) => html`<tr>
<th scope="row"><a href="${candidatesPath(s.id)}${query}">${examTitle(s, page.lang)}</a> <span class="muted">${s.examCode}</span></th>
<td>${t(`sessions.term.${s.term}`)}</td>
<td class="nowrap">${dates(s)}</td>
<td class="num">${String(s.registered)}</td>
<td class="num">${String(s.tookPart)}</td>
${
  s.issued === null || s.annulled === null
    ? html`<td colspan="2" class="nowrap muted">${t('sessions.countsFrom', { time: formatRigaDateTime(s.resultsAt) })}</td>`
    : html`<td class="num">${String(s.issued)}</td>
<td class="num">${String(s.annulled)}</td>`
}
</tr>`,
)}
</tbody>
</table>
</div>`;
}

export function sessionsPage(page: PageContext, view: SessionsView) {
  const { t } = page;
  return layout(
    page,
    t('sessions.title'),
    html`<h1>${t('sessions.title')}</h1>
${view.scope.kind === 'school' ? html`<p class="muted">${t('sessions.scope', { name: view.scope.institutionName })}</p>` : ''}
<p>${t('sessions.intro')}</p>
${chooser(page, view)}
${
  view.year === undefined
    ? html`<p class="notice">${t('sessions.none')}</p>`
    : view.sessions.length === 0
      ? html`<p class="notice">${t('sessions.noneInYear')}</p>`
      : sessionsTable(page, view)
}`,
    { htmx: true },
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
