import { html } from 'hono/html';
import { isReleased, schoolYearLabel, type SchoolYearReleases } from '../src/domain/release.js';
import { formatDate, rigaDate, rigaParts } from '../src/domain/riga-time.js';
import { eserviceLink } from './eservice-link.js';
import { layout, type Html, type PageContext } from './layout.js';

export interface HomeView {
  /** The release moments the register holds for the current (or latest) school year. */
  releases?: SchoolYearReleases & { startYear: number };
  now: Date;
  /** The visitor's address is outside the Baltic states: signing in would be refused. */
  abroad: boolean;
}

/** One education's moment: "will open on …" before it, "available since …" after it. */
function releaseClause(page: PageContext, moment: Date, now: Date): string {
  const local = rigaParts(moment);
  const clock = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  return page.t(isReleased(moment, now) ? 'frame.release.open' : 'frame.release.opens', { date: formatDate(rigaDate(moment)), clock });
}

function releaseNotice(page: PageContext, view: HomeView): Html | string {
  const { t } = page;
  if (!view.releases) return '';
  const { startYear, basic, secondary } = view.releases;
  return html`<section class="notice release" aria-labelledby="release-title">
<h2 id="release-title">${t('frame.release.title')}</h2>
<p>${t('frame.release.text', { year: schoolYearLabel(startYear), basic: releaseClause(page, basic, view.now), secondary: releaseClause(page, secondary, view.now) })}</p>
<p>${t('frame.release.window')}</p>
</section>`;
}

function abroadWarning(page: PageContext): Html {
  const { t } = page;
  return html`<div class="warning abroad">
<h3>${t('frame.abroad.title')}</h3>
<p>${t('frame.abroad.text')}</p>
<p>${t('frame.abroad.eservice')} ${eserviceLink(page)}.</p>
<p>${t('frame.abroad.verify')}</p>
</div>`;
}

export function homePage(page: PageContext, view: HomeView) {
  const { t } = page;
  return layout(
    page,
    t('home.title'),
    html`<h1>${t('home.title')}</h1>
<p>${t('home.intro')}</p>
${releaseNotice(page, view)}
<ul class="cards">
  <li><h2>${t('home.students.title')}</h2><p>${t('home.students.text')}</p>${view.abroad ? abroadWarning(page) : ''}<p><a class="button" href="/login">${t('home.students.action')}</a></p></li>
  <li><h2>${t('home.adults.title')}</h2><p>${t('home.adults.text')} ${eserviceLink(page)}.</p></li>
  <li><h2>${t('home.verify.title')}</h2><p>${t('home.verify.text')}</p><p><a href="/verify">${t('home.verify.action')}</a></p></li>
</ul>`,
  );
}
