import { html } from 'hono/html';
import { announcedSignIn } from '../src/domain/lobby.js';
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
  /** How long before a release moment a student who signs in gets the lobby (LOBBY_MINUTES); 0: no lobby. */
  lobbyMs: number;
}

/** An instant as the page states times: its Riga date and clock. */
function dateAndClock(instant: Date): { date: string; clock: string } {
  const local = rigaParts(instant);
  return { date: formatDate(rigaDate(instant)), clock: `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}` };
}

/** One education's moment: "will open on …" before it, "available since …" after it. */
function releaseClause(page: PageContext, moment: Date, now: Date): string {
  return page.t(isReleased(moment, now) ? 'frame.release.open' : 'frame.release.opens', dateAndClock(moment));
}

/** From when signing in shows the lobby for each moment still to come ("sign in from 08:00"); nothing without a lobby. */
function signInNotice(page: PageContext, releases: SchoolYearReleases, view: HomeView): Html | string {
  const { t } = page;
  const at = (education: 'basic' | 'secondary') => {
    const from = announcedSignIn(releases[education], view.now, view.lobbyMs);
    return from && t('home.signIn.at', dateAndClock(from));
  };
  const basic = at('basic');
  const secondary = at('secondary');
  if (basic && secondary) return html`<p>${t('home.signIn.both', { basic, secondary })}</p>`;
  if (basic) return html`<p>${t('home.signIn.basic', { time: basic })}</p>`;
  if (secondary) return html`<p>${t('home.signIn.secondary', { time: secondary })}</p>`;
  return '';
}

function releaseNotice(page: PageContext, view: HomeView): Html | string {
  const { t } = page;
  if (!view.releases) return '';
  const { startYear, basic, secondary } = view.releases;
  return html`<section class="notice release" aria-labelledby="release-title">
<h2 id="release-title">${t('frame.release.title')}</h2>
<p>${t('frame.release.text', { year: schoolYearLabel(startYear), basic: releaseClause(page, basic, view.now), secondary: releaseClause(page, secondary, view.now) })}</p>
${signInNotice(page, view.releases, view)}
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
