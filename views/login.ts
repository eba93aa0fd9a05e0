/** Sign-in pages: the choice of provider (and the development demo sign-in), sign-in errors, logout form. */
import { html } from 'hono/html';
import type { SessionInfo } from '../src/web/session-types.js';
import { layout, type PageContext } from './layout.js';

export interface ProviderButton {
  label: string;
  href: string;
}

export interface DemoStudent {
  personId: number;
  displayName: string;
  maskedCode: string;
}

export interface LoginView {
  providers: ProviderButton[];
  /** Only outside production: the demo sign-in form. */
  demo?: { students: DemoStudent[] };
  returnTo: string;
}

/** The hidden field carrying the session's CSRF token; put it into every state-changing form. */
export function csrfField(session: Pick<SessionInfo, 'csrfToken'>) {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** "Signed in: name" with a sign-out button (a POST form with the CSRF token). */
export function logoutForm(page: PageContext, session: SessionInfo) {
  const { t } = page;
  return html`<form method="post" action="/logout" class="signed-in">
  <span>${t('auth.signedInAs', { name: session.displayName })}</span>
  ${csrfField(session)}
  <button type="submit">${t('auth.logout')}</button>
</form>`;
}

export function loginPage(page: PageContext, view: LoginView) {
  const { t } = page;
  return layout(
    page,
    t('auth.login.title'),
    html`<h1>${t('auth.login.title')}</h1>
<p>${t('auth.login.intro')}</p>
${view.providers.length > 0
  ? html`<ul class="sign-in">
${view.providers.map((p) => html`<li><a class="button" href="${p.href}">${t('auth.login.with', { provider: p.label })}</a></li>`)}
</ul>`
  : html`<p class="notice">${t('auth.login.none')}</p>`}
${view.demo ? demoForm(page, view.demo.students, view.returnTo) : ''}`,
  );
}

function demoForm(page: PageContext, students: DemoStudent[], returnTo: string) {
  const { t } = page;
  return html`<form method="post" action="/login/demo">
  <fieldset>
    <legend>${t('auth.demo.legend')}</legend>
    <p class="hint">${t('auth.demo.hint')}</p>
    <input type="hidden" name="return_to" value="${returnTo}">
    ${students.length > 0
      ? students.map(
          (s) => html`<p><button type="submit" name="person_id" value="${String(s.personId)}">${s.displayName} (${s.maskedCode})</button></p>`,
        )
      : html`<p>${t('auth.demo.empty')}</p>`}
  </fieldset>
</form>`;
}

export function loginErrorPage(page: PageContext, message: string, retryHref: string) {
  const { t } = page;
  return layout(
    page,
    t('auth.error.title'),
    html`<h1>${t('auth.error.title')}</h1>
<p role="alert">${message}</p>
<p><a href="${retryHref}">${t('auth.error.retry')}</a></p>
<p><a href="/">${t('error.home')}</a></p>`,
  );
}

export function noResultsPage(page: PageContext) {
  const { t } = page;
  return layout(
    page,
    t('auth.noResults.title'),
    html`<h1>${t('auth.noResults.title')}</h1>
<p>${t('auth.noResults.text')}</p>
<p>${t('auth.noResults.eservice')}</p>
<p><a href="/">${t('error.home')}</a></p>`,
  );
}

export function forbiddenPage(page: PageContext) {
  const { t } = page;
  return layout(
    page,
    t('auth.forbidden.title'),
    html`<h1>${t('auth.forbidden.title')}</h1>
<p>${t('auth.forbidden.text')}</p>
<p><a href="/">${t('error.home')}</a></p>`,
  );
}
