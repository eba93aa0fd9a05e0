/**
 * The agency's home ("Aģentūras darba vieta", /staff/agency): the workflows as links, and per exam session of a
 * school year how far the work has come. Also the link back here that every agency page starts with.
 */
import { html } from 'hono/html';
import type { SessionProgress } from '../src/data/agency-overview.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatDate } from '../src/domain/riga-time.js';
import { field } from './forms.js';
import { layout, type Html, type PageContext } from './layout.js';

export interface AgencyOverviewView {
  years: number[];
  year: number | undefined;
  sessions: SessionProgress[];
  pendingAnnulments: number;
  /** Administrators also get the staff page. */
  administrator: boolean;
}

export function agencyYearName(page: PageContext, year: number): string {
  return page.lang === 'lv' ? `${schoolYearLabel(year)} m.g.` : schoolYearName(year);
}

/** "Bioloģija" from "bioloģija": a subject name starting a cell. */
export function subjectName(page: PageContext, subject: { subjectLv: string; subjectEn: string }): string {
  const name = page.lang === 'lv' ? subject.subjectLv : subject.subjectEn;
  return name.charAt(0).toLocaleUpperCase(page.lang) + name.slice(1);
}

/** The way back to the agency's home, above every agency page's heading. */
export function agencyBackLink(page: PageContext) {
  return html`<p class="agency-back"><a href="/staff/agency">${page.t('agency.overview.back')}</a></p>`;
}

function workflows(page: PageContext, view: AgencyOverviewView) {
  const { t } = page;
  const link = (href: string, key: string, extra: Html | string = '') =>
    html`<li><a href="${href}">${t(`agency.overview.links.${key}.title`)}</a>${extra}<p class="hint">${t(`agency.overview.links.${key}.hint`)}</p></li>`;
  return html`<nav aria-labelledby="workflows-title" class="agency-workflows">
<h2 id="workflows-title">${t('agency.overview.workflows')}</h2>
<ul>
${link('/staff/agency/exams', 'exams')}
${link('/staff/agency/scores', 'scores')}
${link('/staff/agency/issuance', 'issuance')}
${link('/staff/agency/annulments', 'annulments', view.pendingAnnulments > 0 ? html` <strong class="tag">${t('agency.overview.pending', { count: view.pendingAnnulments })}</strong>` : '')}
${link('/staff/agency/audit', 'audit')}
${link('/staff/paper-requests', 'paper')}
${link('/staff/reports', 'reports')}
<li><a href="/staff/agency/results-day">${t('resultsDay.title')}</a><p class="hint">${t('resultsDay.linkHint')}</p></li>
${view.administrator ? link('/staff/agency/staff', 'staff') : ''}
</ul>
</nav>`;
}

function progressTable(page: PageContext, view: AgencyOverviewView) {
  const { t } = page;
  if (view.year === undefined) return html`<p>${t('agency.overview.noYears')}</p>`;
  if (view.sessions.length === 0) return html`<p>${t('agency.overview.noSessions')}</p>`;
  const col = (key: string) => html`<th scope="col">${t(`agency.overview.col.${key}`)}</th>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="progress-caption" tabindex="0">
<table class="agency-progress">
<caption id="progress-caption">${t('agency.overview.caption', { year: agencyYearName(page, view.year) })}</caption>
<thead><tr>${col('exam')}${col('term')}${col('starts')}${col('registered')}${col('tookPart')}${col('scored')}${col('issued')}${col('sealed')}${col('annulled')}${col('paper')}</tr></thead>
<tbody>
${view.sessions.map(
  (s) => html`<tr>
<th scope="row">${subjectName(page, s)} <span class="muted code">${s.examCode}</span></th>
<td>${t(`agency.overview.term.${s.term}`)}</td>
<td class="nowrap">${formatDate(s.startsOn)}</td>
<td class="num">${String(s.registered)}</td>
<td class="num">${String(s.tookPart)}</td>
<td class="num">${String(s.scored)}</td>
<td class="num">${String(s.issued)}</td>
<td class="num">${String(s.sealed)}</td>
<td class="num">${String(s.annulled)}</td>
<td class="num">${String(s.paperPending)}</td>
</tr>`,
)}
</tbody></table></div>`;
}

export function agencyOverviewPage(page: PageContext, view: AgencyOverviewView) {
  const { t } = page;
  const chooser =
    view.years.length > 1
      ? html`<form method="get" action="/staff/agency" class="choose">
${field(page, {
  control: 'select',
  name: 'year',
  label: t('agency.overview.year'),
  value: view.year === undefined ? undefined : String(view.year),
  options: view.years.map((y) => ({ value: String(y), text: agencyYearName(page, y) })),
})}
<button type="submit">${t('agency.overview.show')}</button>
</form>`
      : '';
  return layout(
    page,
    t('agency.overview.title'),
    html`<h1>${t('agency.overview.title')}</h1>
<p class="lead">${t('agency.overview.intro')}</p>
${workflows(page, view)}
<section aria-labelledby="progress-title">
<h2 id="progress-title">${t('agency.overview.progress')}</h2>
${chooser}
${progressTable(page, view)}
<p class="hint">${t('agency.overview.help', { email: page.contact.email, phone: page.contact.phone })}</p>
</section>`,
  );
}
