/**
 * The pages every footer links to: the accessibility statement (Directive (EU) 2016/2102), the privacy notice and
 * the cookies, and the page after signing out.
 */
import { html } from 'hono/html';
import { eserviceLink } from './eservice-link.js';
import { contactDetails, layout, type Html, type PageContext } from './layout.js';

/** When the accessibility statement was prepared (the directive asks for the date); update it with each review. */
const STATEMENT_PREPARED = { lv: '2026. gada 6. decembrī', en: '6 December 2026' } as const;

const TIESIBSARGS_URL = 'https://www.tiesibsargs.lv/';
const DATA_STATE_INSPECTORATE_URL = 'https://www.dvi.gov.lv/';

function section(title: string, body: Html): Html {
  return html`<section>
<h2>${title}</h2>
${body}
</section>`;
}

export function accessibilityPage(page: PageContext): Html {
  const { t } = page;
  const key = (k: string) => t(`info.accessibility.${k}`);
  return layout(
    page,
    key('title'),
    html`<div class="prose">
<h1>${key('title')}</h1>
<p>${key('intro')}</p>
${section(key('statusTitle'), html`<p>${key('status')}</p><p>${key('checked')}</p>`)}
${section(
  key('gapsTitle'),
  html`<ul>
<li>${key('gaps.edoc')}</li>
<li>${key('gaps.reports')}</li>
<li>${key('gaps.tables')}</li>
</ul>`,
)}
${section(key('reportTitle'), html`<p>${key('report')}</p>${contactDetails(page)}`)}
${section(key('enforcementTitle'), html`<p>${key('enforcement')} <a href="${TIESIBSARGS_URL}" hreflang="lv">${key('ombudsman')}</a>.</p>`)}
<p class="muted">${t('info.prepared', { date: STATEMENT_PREPARED[page.lang] })}</p>
</div>`,
  );
}

export interface PrivacyView {
  /** SESSION_IDLE_MINUTES, when signing in is offered. */
  sessionIdleMinutes?: number;
  /** REPORT_RETENTION_DAYS, when the staff pages are offered. */
  reportRetentionDays?: number;
}

export function privacyPage(page: PageContext, view: PrivacyView): Html {
  const { t } = page;
  const key = (k: string, values?: Record<string, unknown>) => t(`info.privacy.${k}`, values);
  return layout(
    page,
    key('title'),
    html`<div class="prose">
<h1>${key('title')}</h1>
${section(key('controllerTitle'), html`<p>${key('controller')}</p>${contactDetails(page)}`)}
${section(
  key('dataTitle'),
  html`<ul>
${['identity', 'results', 'session', 'address', 'audit'].map((k) => html`<li>${key(`data.${k}`)}</li>`)}
</ul>`,
)}
${section(key('purposeTitle'), html`<p>${key('purpose')}</p>`)}
${section(
  key('retentionTitle'),
  html`<ul>
${view.sessionIdleMinutes !== undefined ? html`<li>${key('retention.session', { idle: view.sessionIdleMinutes })}</li><li>${key('retention.loginAttempt')}</li>` : ''}
<li>${key('retention.eservice')}</li>
<li>${key('retention.rateLimits')}</li>
${view.reportRetentionDays !== undefined ? html`<li>${key('retention.reports', { days: view.reportRetentionDays })}</li>` : ''}
<li>${key('retention.register')}</li>
</ul>
<p>${key('window')} ${eserviceLink(page)}.</p>`,
)}
${section(
  key('recipientsTitle'),
  html`<ul>
${['school', 'eservice', 'verifier', 'providers', 'processors'].map((k) => html`<li>${key(`recipients.${k}`)}</li>`)}
</ul>`,
)}
${section(key('rightsTitle'), html`<p>${key('rights')}</p>`)}
${section(
  key('askTitle'),
  html`<p>${key('ask')}</p>
${contactDetails(page)}
<p>${key('authority')} <a href="${DATA_STATE_INSPECTORATE_URL}" hreflang="lv">Datu valsts inspekcija</a>.</p>`,
)}
</div>`,
  );
}

export type CookieLifetime =
  { kind: 'days'; days: number } | { kind: 'minutes'; minutes: number } | { kind: 'browser'; idleMinutes: number } | { kind: 'untilClosed' };

/** A cookie the portal sets (src/web/cookies.ts lists them), as the cookies page describes it. */
export interface PortalCookie {
  name: string;
  purpose: 'language' | 'session' | 'loginState' | 'waitingVisitor' | 'waitingTicket' | 'waitingManual';
  lifetime: CookieLifetime;
}

function lifetimeText(page: PageContext, lifetime: CookieLifetime): string {
  const { t } = page;
  switch (lifetime.kind) {
    case 'days':
      return t('info.cookies.lifetimes.days', { days: lifetime.days });
    case 'minutes':
      return t('info.cookies.lifetimes.minutes', { minutes: lifetime.minutes });
    case 'browser':
      return t('info.cookies.lifetimes.browser', { idle: lifetime.idleMinutes });
    case 'untilClosed':
      return t('info.cookies.lifetimes.untilClosed');
  }
}

export function cookiesPage(page: PageContext, cookies: readonly PortalCookie[]): Html {
  const { t } = page;
  return layout(
    page,
    t('info.cookies.title'),
    html`<div class="prose">
<h1>${t('info.cookies.title')}</h1>
<p>${t('info.cookies.intro')}</p>
<dl class="cookie-list">
${cookies.map(
  (cookie) => html`<div>
<dt><code class="cookie-name">${cookie.name}</code></dt>
<dd>${t(`info.cookies.purposes.${cookie.purpose}`)}</dd>
<dd>${t('info.cookies.lifetime')}: ${lifetimeText(page, cookie.lifetime)}</dd>
</div>`,
)}
</dl>
<p>${t('info.cookies.remove')}</p>
</div>`,
  );
}

/** After `POST /logout`: what happened, and what to do next. */
export function signedOutPage(page: PageContext, kind: 'student' | 'staff'): Html {
  const { t } = page;
  return layout(
    page,
    t('signIn.signedOut.title'),
    html`<h1>${t('signIn.signedOut.title')}</h1>
<p>${t('signIn.signedOut.text')}</p>
<h2>${t('signIn.next')}</h2>
<ul>
<li>${t(`signIn.signedOut.provider.${kind}`)}</li>
<li>${t('signIn.signedOut.shared')}</li>
</ul>
<p><a class="button" href="${kind === 'staff' ? '/staff/login' : '/login'}">${t('signIn.signedOut.again')}</a></p>
<p><a href="/">${t('error.home')}</a></p>`,
  );
}
