/** The staff sign-in page (Latvija.lv, and the development demo sign-in) and the page for someone without a role. */
import { html } from 'hono/html';
import { hiddenField, hintId } from './forms.js';
import { layout, type PageContext } from './layout.js';
import { contactIfRepeats, providerButtons, type ProviderButton } from './login.js';

export interface DemoStaffChoice {
  userId: number;
  displayName: string;
  /** The school's name, or undefined for agency staff. */
  institution?: string;
}

export interface StaffLoginView {
  providers: ProviderButton[];
  demo?: { users: DemoStaffChoice[] };
  returnTo: string;
}

export function staffLoginPage(page: PageContext, view: StaffLoginView) {
  const { t } = page;
  return layout(
    page,
    t('staff.login.title'),
    html`<h1>${t('staff.login.title')}</h1>
<p>${t('staff.login.intro')}</p>
${providerButtons(page, view.providers)}
${
  view.demo
    ? html`<form method="post" action="/staff/login/demo">
  <fieldset aria-describedby="${hintId('demo')}">
    <legend>${t('auth.demo.legend')}</legend>
    <p class="hint" id="${hintId('demo')}">${t('staff.login.demoHint')}</p>
    ${hiddenField('return_to', view.returnTo)}
    ${
      view.demo.users.length > 0
        ? view.demo.users.map(
            (u) =>
              html`<p><button type="submit" name="user_id" value="${String(u.userId)}">${u.displayName} (${u.institution ?? t('staff.login.agency')})</button></p>`,
          )
        : html`<p>${t('staff.login.demoEmpty')}</p>`
    }
  </fieldset>
</form>`
    : ''
}
<p><a href="/login">${t('staff.login.students')}</a></p>`,
  );
}

export function noStaffAccessPage(page: PageContext) {
  const { t } = page;
  return layout(
    page,
    t('signIn.staffNoAccess.title'),
    html`<h1>${t('signIn.staffNoAccess.title')}</h1>
<p>${t('signIn.staffNoAccess.text')}</p>
<h2>${t('signIn.next')}</h2>
<ul>
<li>${t('signIn.staffNoAccess.grant')}</li>
<li><a href="/login">${t('signIn.staffNoAccess.students')}</a></li>
</ul>
${contactIfRepeats(page)}
<p><a href="/">${t('error.home')}</a></p>`,
  );
}
