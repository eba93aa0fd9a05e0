import { html } from 'hono/html';
import type { StudentResult } from '../src/data/student-results.js';
import { examTitle } from '../src/domain/exam-title.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { layout, type PageContext } from './layout.js';

export function certificateHref(number: string): string {
  return `/certificates/${encodeURIComponent(number)}.edoc`;
}

function outcome(page: PageContext, result: StudentResult) {
  const { t, lang } = page;
  const state = result.state;
  switch (state.kind) {
    case 'pending':
      return html`<p class="pending">${t('results.pending', { time: formatRigaDateTime(state.releaseAt) })}</p>`;
    case 'exempted':
      return html`<p>${state.internationalCertificate ? t('results.international', { name: state.internationalCertificate }) : t('results.exempted')}</p>`;
    case 'absent':
      return html`<p>${t('results.absent')}</p>`;
    case 'work-annulled':
      return html`<p class="bad">${t('results.work-annulled')}</p>`;
    case 'not-scored':
      return html`<p>${t('results.not-scored')}</p>`;
    case 'result': {
      const certificate = state.certificate;
      return html`<dl>
<dt>${t('results.total')}</dt><dd class="total">${state.total}&nbsp;%${state.tookPart === 'partly' ? html` <span class="muted">(${t('results.partly')})</span>` : ''}</dd>
<dt>${t('results.certificate')}</dt><dd>${
        certificate
          ? certificate.state === 'annulled'
            ? html`${certificate.number} <strong class="bad">${t('results.certificate-annulled')}</strong>`
            : html`${certificate.number}, ${t('results.issued', { date: formatDate(certificate.issuedOn) })}<br><a class="download" href="${certificateHref(certificate.number)}" download>${t('results.download')}<span class="visually-hidden"> ${certificate.number}</span></a>`
          : t('results.no-certificate')
      }</dd>
</dl>
<details><summary>${t('results.parts')}</summary><ul class="parts">${state.parts.map(
        (p) => html`<li><span>${lang === 'lv' ? p.nameLv : p.nameEn}</span> <span>${p.percent}&nbsp;%</span></li>`,
      )}</ul></details>`;
    }
  }
}

function examItem(page: PageContext, result: StudentResult) {
  const year = page.lang === 'lv' ? schoolYearLabel(result.schoolYear) : schoolYearName(result.schoolYear);
  return html`<li class="exam">
<h3>${examTitle({ ...result, schoolYear: result.schoolYear }, page.lang)}</h3>
<p class="muted">${page.t('results.school-year')}: ${year}${result.term === 'additional' ? html` · ${page.t('results.additional-term')}` : ''}</p>
${outcome(page, result)}
</li>`;
}

export function resultsPage(page: PageContext, results: readonly StudentResult[]) {
  const { t } = page;
  const groups = (['basic', 'secondary'] as const)
    .map((education) => ({ education, items: results.filter((r) => r.education === education) }))
    .filter((g) => g.items.length > 0);
  return layout(
    page,
    t('results.title'),
    html`<h1>${t('results.title')}</h1>
<p class="notice" role="note">${t('results.window')} <a href="https://latvija.gov.lv/Services/45822" hreflang="lv">${t('results.eservice')}</a></p>
${groups.length === 0 ? html`<p>${t('results.none')}</p>` : ''}
${groups.map(
  (g) => html`<section aria-labelledby="group-${g.education}">
<h2 id="group-${g.education}">${t(`results.group.${g.education}`)}</h2>
<ul class="exams">${g.items.map((r) => examItem(page, r))}</ul>
</section>`,
)}`,
  );
}
