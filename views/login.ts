/** Sign-in pages: the choice of provider (and the development demo sign-in), sign-in errors. */
import { html } from 'hono/html';
import { hiddenField, hintId } from './forms.js';
import { eserviceLink } from './eservice-link.js';
import { contactDetails, layout, type Html, type PageContext } from './layout.js';

export interface ProviderButton {
  /** The provider's name in the routes (eklase, mykoob, latvija): each has its own worded label. */
  name: string;
  href: string;
}

/** The sign-in choices as a row of buttons, each worded for its provider ("Pieslēgties ar E-klasi"). */
export function providerButtons(page: PageContext, providers: readonly ProviderButton[]): Html {
  const { t } = page;
  return providers.length > 0
    ? html`<div class="sign-in">
${providers.map((p) => html`<a class="button" href="${p.href}">${t(`signIn.with.${p.name}`)}</a>`)}
</div>`
    : html`<p class="notice">${t('auth.login.none')}</p>`;
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
${providerButtons(page, view.providers)}
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

/** Who to turn to when something keeps going wrong. */
export function contactIfRepeats(page: PageContext): Html {
  return html`<p>${page.t('signIn.contactIfRepeats')}</p>
${contactDetails(page)}`;
}

/** A sign-in that failed: why, what to do next (try again, or `nextStep`), and whom to contact. */
export function loginErrorPage(page: PageContext, message: string, retryHref: string, nextStep?: string) {
  const { t } = page;
  return layout(
    page,
    t('auth.error.title'),
    html`<h1>${t('auth.error.title')}</h1>
<p role="alert">${message}</p>
<h2>${t('signIn.next')}</h2>
${nextStep ? html`<p>${nextStep}</p>` : ''}
<p><a class="button" href="${retryHref}">${t('auth.error.retry')}</a></p>
${contactIfRepeats(page)}
<p><a href="/">${t('error.home')}</a></p>`,
  );
}

/** Someone the provider vouched for, but of whom the register holds no exam. */
export function noResultsPage(page: PageContext, provider: string) {
  const { t } = page;
  return layout(
    page,
    t('signIn.notRegistered.title'),
    html`<h1>${t('signIn.notRegistered.title')}</h1>
<p>${t('signIn.notRegistered.text', { provider })}</p>
<h2>${t('signIn.next')}</h2>
<ul>
<li>${t('signIn.notRegistered.school')}</li>
<li>${t('signIn.notRegistered.earlier')} ${eserviceLink(page)}.</li>
</ul>
${contactIfRepeats(page)}
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
${contactIfRepeats(page)}
<p><a href="/">${t('error.home')}</a></p>`,
  );
}
