/**
 * The notice pages: where a holder leaves, changes or removes the address for "your results are available"
 * e-mails (on the student pages and inside the Latvija.lv e-service frame), and the two pages a link in a
 * message opens, each a question with one button: mail scanners open links, so opening one changes nothing.
 */
import { html } from 'hono/html';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import type { Language, Translate } from '../src/i18n.js';
import { contactText, embedLayout, type EmbedContext } from './eservice.js';
import { csrfField, errorFor, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type Html, type PageContext } from './layout.js';

export type NoticeDone = 'saved' | 'language' | 'removed';

export interface NoticeSettingsView {
  /** False where the portal has no way to send e-mail (production without SMTP settings). */
  offered: boolean;
  address?: { email: string; language: Language; confirmedAt?: Date };
  done?: NoticeDone;
  /** What was typed, sent back with problems. */
  values?: { email: string; language: string };
  errors: readonly FormError[];
}

interface Surface {
  t: Translate;
  lang: Language;
  action: string;
  /** The fields every form on the surface carries: the CSRF token, or the embed session. */
  hidden: Html;
  contact: Html;
}

function settings(surface: Surface, view: NoticeSettingsView): Html {
  const { t } = surface;
  if (!view.offered) return html`<p>${t('notices.unavailable')}</p>${surface.contact}`;
  const address = view.address;
  const state = !address
    ? html`<p>${t('notices.state.none')}</p>`
    : address.confirmedAt
      ? html`<div class="notice success notice-state"><p>${t('notices.state.confirmed', { email: address.email, date: formatRigaDateTime(address.confirmedAt) })}</p>
<p>${t('notices.state.confirmedNext')}</p></div>`
      : html`<div class="notice notice-state"><p>${t('notices.state.pending', { email: address.email })}</p>
<p>${t('notices.state.pendingNext')}</p></div>`;
  const values = view.values ?? { email: address?.email ?? '', language: address?.language ?? surface.lang };
  const form = html`<form method="post" action="${surface.action}" novalidate>
${surface.hidden}${hiddenField('action', 'save')}
${field(surface, {
  name: 'email',
  label: t('notices.field.email'),
  hint: t('notices.field.emailHint'),
  type: 'email',
  value: values.email,
  error: errorFor(view.errors, 'email'),
  attributes: { autocomplete: 'email', spellcheck: 'false', maxlength: '254' },
})}
${field(surface, {
  control: 'radios',
  name: 'language',
  label: t('notices.field.language'),
  value: values.language,
  items: [
    { value: 'lv', label: t('notices.field.lv') },
    { value: 'en', label: t('notices.field.en') },
  ],
})}
<button type="submit">${t('notices.save')}</button>
</form>`;
  return html`${view.done ? html`<div class="notice success" role="status"><p>${t(`notices.done.${view.done}`)}</p></div>` : ''}
${errorSummary(surface, { errors: view.errors })}
<p>${t('notices.intro')}</p>
<p>${t('notices.scope')}</p>
${state}
<section aria-labelledby="notice-address-heading">
<h2 id="notice-address-heading">${address ? t('notices.changeHeading') : t('notices.addHeading')}</h2>
<p class="hint">${t('notices.confirmFirst')}</p>
${form}
</section>
${
  address
    ? html`<section aria-labelledby="notice-remove-heading">
<h2 id="notice-remove-heading">${t('notices.removeHeading')}</h2>
<p>${t('notices.removeHint')}</p>
<form method="post" action="${surface.action}">${surface.hidden}${hiddenField('action', 'remove')}<button type="submit" class="secondary">${t('notices.remove')}</button></form>
</section>`
    : ''
}
<p class="hint">${t('notices.privacy')}</p>
${surface.contact}`;
}

function contactLine(page: PageContext): Html {
  const { email, phone, hours } = page.contact;
  return html`<p class="contact">${page.t('results.ask')} <a href="mailto:${email}">${email}</a>, <a href="tel:${phone.replace(/[^\d+]/g, '')}">${phone}</a> (${hours[page.lang]}).</p>`;
}

/** The student's page (signed in, Baltic-only like the results). */
export function studentNoticesPage(page: PageContext, view: NoticeSettingsView): Html {
  const { t } = page;
  const surface: Surface = { t, lang: page.lang, action: '/results/notices', hidden: csrfField(page.user), contact: contactLine(page) };
  return layout(
    page,
    t('notices.title'),
    html`<h1>${t('notices.title')}</h1>
${settings(surface, view)}
<p><a href="/results">${t('notices.backResults')}</a></p>`,
    { error: view.errors.length > 0 },
  );
}

export interface EmbedNoticesView extends NoticeSettingsView {
  sessionId: string;
  expiresAt: Date;
  holderName: string;
  /** A representative (a parent) is signed in: only the holder may leave an address. */
  representative: boolean;
  listHref: string;
}

/** The same inside the Latvija.lv e-service frame, for the holder signed in there as themselves. */
export function embedNoticesPage(page: EmbedContext, view: EmbedNoticesView): Html {
  const { t } = page;
  const surface: Surface = { t, lang: page.lang, action: '/eservice/notices', hidden: hiddenField('s', view.sessionId), contact: contactText(page) };
  const main = view.representative ? html`<p>${t('notices.representative')}</p>${contactText(page)}` : settings(surface, view);
  return embedLayout(
    page,
    t('notices.title'),
    html`<h1>${t('notices.title')}</h1>
${main}
<p><a href="${view.listHref}">${t('notices.back')}</a></p>`,
    {
      error: view.errors.length > 0,
      session: { expiresAt: view.expiresAt },
      form: true,
      person: { holderName: view.holderName, representative: view.representative },
    },
  );
}

export type LinkPageState = { kind: 'ask'; email?: string } | { kind: 'done' } | { kind: 'invalid' };

/** The page the confirmation link opens: the question and a button; then what was done. */
export function confirmNoticePage(page: PageContext, state: LinkPageState, action: string): Html {
  const { t } = page;
  const body =
    state.kind === 'ask'
      ? html`<p>${t('notices.confirm.question', { email: state.email ?? '' })}</p>
<form method="post" action="${action}"><button type="submit">${t('notices.confirm.button')}</button></form>
<p class="hint">${t('notices.confirm.notMine')}</p>`
      : state.kind === 'done'
        ? html`<div class="notice success" role="status"><p>${t('notices.confirm.done')}</p></div>`
        : html`<div class="notice"><p>${t('notices.confirm.invalid')}</p></div>`;
  return layout(page, t('notices.confirm.title'), html`<h1>${t('notices.confirm.title')}</h1>\n${body}\n${contactLine(page)}`);
}

/** The page the unsubscribe link opens: the question and a button; then what was done. */
export function unsubscribePage(page: PageContext, state: LinkPageState, action: string): Html {
  const { t } = page;
  const body =
    state.kind === 'ask'
      ? html`<p>${t('notices.unsubscribe.question')}</p>
<form method="post" action="${action}"><button type="submit">${t('notices.unsubscribe.button')}</button></form>`
      : state.kind === 'done'
        ? html`<div class="notice success" role="status"><p>${t('notices.unsubscribe.done')}</p></div>`
        : html`<div class="notice"><p>${t('notices.unsubscribe.invalid')}</p></div>`;
  return layout(page, t('notices.unsubscribe.title'), html`<h1>${t('notices.unsubscribe.title')}</h1>\n${body}\n${contactLine(page)}`);
}
