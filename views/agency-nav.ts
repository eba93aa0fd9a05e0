/** The agency's exam workflows, linked from each of their pages: exams and calendar, score files, issuance. */
import { html } from 'hono/html';
import type { PageContext } from './layout.js';

export type AgencyArea = 'exams' | 'scores' | 'issuance';

export function agencyNav(page: PageContext, current: AgencyArea) {
  const { t } = page;
  const link = (area: AgencyArea) =>
    html`<li><a href="/staff/agency/${area}"${area === current ? html` aria-current="page"` : ''}>${t(`agencyExams.nav.${area}`)}</a></li>`;
  return html`<nav class="agency-nav" aria-label="${t('agencyExams.nav.label')}"><ul>${link('exams')}${link('scores')}${link('issuance')}</ul></nav>`;
}

/** A sentence with the agency's contact, for every state that needs a next step. */
export function contactLine(page: PageContext) {
  const { t, contact, lang } = page;
  return html`<p class="hint">${t('agencyExams.contact', { email: contact.email, phone: contact.phone, hours: contact.hours[lang] })}</p>`;
}
