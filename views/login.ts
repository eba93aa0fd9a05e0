/** Sign-in pages: the choice of provider (and the development demo sign-in), sign-in errors. */
import { html } from 'hono/html';
import { hiddenField, hintId } from './forms.js';
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

export function loginPage(page: PageContext, view: LoginView) {
  const { t } = page;
  return layout(
    page,
    t('auth.login.title'),
    html`<h1>${t('auth.login.title')}</h1>
<p>${t('auth.login.intro')}</p>
${
  view.providers.length > 0
    ? html`<ul class="sign-in">
${view.providers.map((p) => html`<li><a class="button" href="${p.href}">${t('auth.login.with', { provider: p.label })}</a></li>`)}
</ul>`
    : html`<p class="notice">${t('auth.login.none')}</p>`
}
${view.demo ? demoForm(page, view.demo.students, view.returnTo) : ''}`,
  );
}

function demoForm(page: PageContext, students: DemoStudent[], returnTo: string) {
  const { t } = page;
  return html`<form method="post" action="/login/demo">
  <fieldset aria-describedby="${hintId('demo')}">
    <legend>${t('auth.demo.legend')}</legend>
    <p class="hint" id="${hintId('demo')}">${t('auth.demo.hint')}</p>
    ${hiddenField('return_to', returnTo)}
    ${
      students.length > 0
        ? students.map((s) => html`<p><button type="submit" name="person_id" value="${String(s.personId)}">${s.displayName} (${s.maskedCode})</button></p>`)
        : html`<p>${t('auth.demo.empty')}</p>`
    }
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
