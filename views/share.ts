/**
 * Share links: the holder's list and form (on the student pages and inside the e-service frame alike: the body
 * is the same, the page around it differs), the link made, and the pages a recipient sees, all without script.
 */
import { html } from 'hono/html';
import type { ServiceContact } from '../src/config.js';
import type { SharedCertificate, ShareableCertificateRow, ShareLinkSummary } from '../src/data/share-links.js';
import { examTitle } from '../src/domain/exam-title.js';
import { schoolYearLabel, schoolYearName } from '../src/domain/release.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { ENDED_SHARE_LINK_KEPT_DAYS, SHARE_DAY_CHOICES, schoolYearChoice, shareLinkState } from '../src/domain/share-links.js';
import type { Language, Translate } from '../src/i18n.js';
import { annulmentSummary, certificateFacts } from '../src/verification-text.js';
import { errorFor, errorSummary, field, type FormError } from './forms.js';
import { layout, type Html, type PageContext } from './layout.js';

/** What the share views need of either page: the reader's language and the agency's help route. */
export interface ShareText {
  t: Translate;
  lang: Language;
  contact: ServiceContact;
}

/** Where the holder's forms and links go: the student pages or the e-service (which carries its session). */
export interface HolderPaths {
  /** The list and the form (GET), and where the form is sent (POST). */
  list: string;
  /** Hidden fields every form carries: the CSRF token, or the e-service session. */
  hidden: Html;
  preview(linkId: number): string;
  revoke(linkId: number): string;
  history: string;
}

export function contactParagraph(page: ShareText): Html {
  const { t, contact, lang } = page;
  return html`<p class="share-contact">${t('share.contact', { hours: contact.hours[lang] })} <a href="mailto:${contact.email}">${contact.email}</a>, <a href="tel:${contact.phone.replace(/[^\d+]/g, '')}">${contact.phone}</a>.</p>`;
}

function certificateLabel(page: ShareText, c: ShareableCertificateRow): string {
  return `${examTitle(c, page.lang)} (${c.number})`;
}

function yearName(page: ShareText, startYear: number): string {
  return page.lang === 'lv' ? `${schoolYearLabel(startYear)} m.g.` : schoolYearName(startYear);
}

export interface ShareFormValues {
  recipient?: string;
  language?: string;
  days?: string;
  certificates?: readonly string[];
}

export interface HolderShareView {
  shareable: ShareableCertificateRow[];
  links: ShareLinkSummary[];
  values: ShareFormValues;
  errors: FormError[];
  now: Date;
  /** A link just withdrawn, for the notice. */
  revoked?: string;
}

function viewsText(page: ShareText, link: ShareLinkSummary): string {
  const { t } = page;
  if (link.views === 0) return t('share.views.none');
  return t('share.views.some', {
    times: t('share.views.times', { count: link.views }),
    first: formatRigaDateTime(new Date(link.firstViewedAt!)),
    last: formatRigaDateTime(new Date(link.lastViewedAt!)),
  });
}

function linkItem(page: ShareText, paths: HolderPaths, link: ShareLinkSummary, now: Date): Html {
  const { t } = page;
  const state = shareLinkState(link, now);
  const stateText =
    state === 'revoked'
      ? t('share.state.revoked', { time: formatRigaDateTime(new Date(link.revokedAt!)) })
      : state === 'expired'
        ? t('share.state.expired', { time: formatRigaDateTime(new Date(link.expiresAt)) })
        : t('share.state.active', { time: formatRigaDateTime(new Date(link.expiresAt)) });
  return html`<li class="share-link share-${state}">
<h3>${link.recipient}</h3>
<dl>
<dt>${t('share.list.state')}</dt><dd class="share-state">${stateText}</dd>
<dt>${t('share.list.views')}</dt><dd class="share-views">${viewsText(page, link)}</dd>
<dt>${t('share.list.certificates')}</dt><dd>${link.numbers.map((n, i) => html`${i > 0 ? ', ' : ''}<span class="code">${n}</span>`)}</dd>
<dt>${t('share.list.language')}</dt><dd>${t(`share.language.${link.language}`)}</dd>
<dt>${t('share.list.created')}</dt><dd>${formatRigaDateTime(new Date(link.createdAt))}</dd>
</dl>
<p class="share-actions"><a href="${paths.preview(link.id)}">${t('share.list.preview')}<span class="visually-hidden"> (${link.recipient})</span></a></p>
${
  state === 'active'
    ? html`<form method="post" action="${paths.revoke(link.id)}" class="share-revoke">${paths.hidden}<button type="submit" class="secondary">${t('share.list.revoke')}<span class="visually-hidden"> (${link.recipient})</span></button></form>`
    : ''
}
</li>`;
}

/** The holder's links and the form that makes a new one. */
export function holderShareBody(page: ShareText, paths: HolderPaths, view: HolderShareView): Html {
  const { t } = page;
  const years = [...new Set(view.shareable.map((c) => c.schoolYear))];
  const items = [
    ...years.map((year) => ({ value: schoolYearChoice(year), label: t('share.form.wholeYear', { year: yearName(page, year) }) })),
    ...view.shareable.map((c) => ({ value: String(c.certificateId), label: certificateLabel(page, c) })),
  ];
  const days = view.values.days ?? '30';
  const form =
    view.shareable.length === 0
      ? html`<p>${t('share.form.nothing')}</p>`
      : html`<form method="post" action="${paths.list}" class="stack share-form" novalidate>
${paths.hidden}
${field(page, {
  control: 'checkboxes',
  name: 'certificates',
  label: t('share.form.certificates'),
  hint: t('share.form.certificatesHint'),
  items,
  value: view.values.certificates ?? [],
  error: errorFor(view.errors, 'certificates'),
})}
${field(page, {
  name: 'recipient',
  label: t('share.form.recipient'),
  hint: t('share.form.recipientHint'),
  value: view.values.recipient ?? '',
  error: errorFor(view.errors, 'recipient'),
  attributes: { maxlength: '200', autocomplete: 'off' },
})}
${field(page, {
  control: 'radios',
  name: 'language',
  label: t('share.form.language'),
  items: (['lv', 'en'] as const).map((l) => ({ value: l, label: t(`share.language.${l}`) })),
  value: view.values.language ?? page.lang,
  error: errorFor(view.errors, 'language'),
})}
${field(page, {
  control: 'select',
  name: 'days',
  label: t('share.form.days'),
  hint: t('share.form.daysHint'),
  options: SHARE_DAY_CHOICES.map((d) => ({ value: String(d), text: t('share.form.daysOption', { count: d }) })),
  value: days,
  error: errorFor(view.errors, 'days'),
})}
<button type="submit">${t('share.form.submit')}</button>
</form>`;
  return html`${errorSummary(page, { errors: view.errors })}
<h1>${t('share.title')}</h1>
<p>${t('share.intro')}</p>
${view.revoked ? html`<div class="notice success" role="status"><p>${t('share.revokedNotice', { recipient: view.revoked })}</p></div>` : ''}
<section aria-labelledby="share-links-title">
<h2 id="share-links-title">${t('share.list.title')}</h2>
${view.links.length === 0 ? html`<p>${t('share.list.none')}</p>` : html`<ul class="share-links">${view.links.map((l) => linkItem(page, paths, l, view.now))}</ul>`}
<p class="hint">${t('share.list.kept', { count: ENDED_SHARE_LINK_KEPT_DAYS })}</p>
</section>
<section aria-labelledby="share-new-title">
<h2 id="share-new-title">${t('share.form.title')}</h2>
${form}
</section>
<p><a href="${paths.history}">${t('accessHistory.link')}</a></p>
${contactParagraph(page)}`;
}

/** The link just made: shown once, as only its hash is kept. */
export function shareCreatedBody(page: ShareText, paths: HolderPaths, made: { url: string; recipient: string; expiresAt: Date; linkId: number }): Html {
  const { t } = page;
  return html`<h1>${t('share.created.title')}</h1>
<div class="notice success" role="status"><p>${t('share.created.text', { recipient: made.recipient, time: formatRigaDateTime(made.expiresAt) })}</p></div>
<label for="share-url" class="share-url-label">${t('share.created.label')}</label>
<p class="hint" id="share-url-hint">${t('share.created.once')}</p>
<input id="share-url" class="share-url" type="text" readonly value="${made.url}" aria-describedby="share-url-hint">
<p class="share-url-text"><a href="${made.url}" class="code">${made.url}</a></p>
<p><a href="${paths.preview(made.linkId)}">${t('share.list.preview')}</a></p>
<p><a href="${paths.list}">${t('share.created.back')}</a></p>
${contactParagraph(page)}`;
}

function sharedItem(page: ShareText, item: SharedCertificate, downloadHref: (number: string) => string | undefined): Html {
  const { t, lang } = page;
  const facts = certificateFacts(item.facts, item.register, t, lang);
  const annulled = item.register.state === 'annulled';
  const href = item.downloadable ? downloadHref(item.facts.number) : undefined;
  return html`<li class="shared-certificate${annulled ? ' shared-annulled' : ''}">
<h2>${examTitle({ ...item.facts, education: item.facts.kind }, lang)}</h2>
${
  annulled
    ? html`<div class="verdict verdict-annulled"><p><strong><span aria-hidden="true">! </span>${t('share.recipient.annulled')}</strong></p>${annulmentSummary(item.register, t).map((s) => html`<p>${s}</p>`)}</div>`
    : html`<p class="verdict verdict-valid"><strong><span aria-hidden="true">✓ </span>${t('share.recipient.valid')}</strong></p>`
}
<dl class="verify-facts">
${facts.map((f) => html`<div><dt>${f.label}</dt><dd>${f.value}</dd></div>`)}
</dl>
${href ? html`<p><a class="button download" href="${href}" download>${t('share.recipient.download')}<span class="visually-hidden"> ${item.facts.number}</span></a></p>` : ''}
</li>`;
}

export interface SharedView {
  recipient: string;
  holderName: string;
  expiresAt: string;
  certificates: SharedCertificate[];
  checkedAt: Date;
  downloadHref: (number: string) => string | undefined;
  /** The holder's preview: what the recipient sees, with a banner saying so. */
  preview?: { back: string };
}

/** What a recipient sees: the holder's certificates with the register's current state, and the downloads. */
export function sharedBody(page: ShareText, view: SharedView): Html {
  const { t } = page;
  return html`${
    view.preview
      ? html`<div class="notice share-preview" role="note"><p><strong>${t('share.preview.title')}</strong> ${t('share.preview.text')}</p><p><a href="${view.preview.back}">${t('share.preview.back')}</a></p></div>`
      : ''
  }
<p class="verify-caption">${t('share.recipient.caption')}</p>
<h1>${t('share.recipient.title', { name: view.holderName })}</h1>
<p>${t('share.recipient.intro', { recipient: view.recipient, time: formatRigaDateTime(new Date(view.expiresAt)) })}</p>
<ul class="shared-certificates">${view.certificates.map((c) => sharedItem(page, c, view.downloadHref))}</ul>
<p class="hint">${t('share.recipient.checked', { time: formatRigaDateTime(view.checkedAt) })}</p>
<p>${t('share.recipient.verify')} <a href="/verify">${t('share.recipient.verifyLink')}</a>.</p>
${contactParagraph(page)}`;
}

export function sharedPage(page: PageContext, view: SharedView): Html {
  return layout(page, page.t('share.recipient.caption'), sharedBody(page, view));
}

/** A link its holder withdrew, or one past its expiry: said plainly, with what to do next. */
export function shareEndedPage(page: PageContext, state: 'revoked' | 'expired', at: string): Html {
  const { t } = page;
  return layout(
    page,
    t(`share.ended.${state}.title`),
    html`<h1>${t(`share.ended.${state}.title`)}</h1>
<p>${t(`share.ended.${state}.text`, { time: formatRigaDateTime(new Date(at)) })}</p>
<p>${t('share.ended.next')}</p>
${contactParagraph(page)}`,
  );
}

/** The holder's pages on the student side. */
export function holderSharePage(page: PageContext, paths: HolderPaths, view: HolderShareView): Html {
  return layout(page, page.t('share.title'), holderShareBody(page, paths, view), { error: view.errors.length > 0 });
}

export function shareCreatedPage(page: PageContext, paths: HolderPaths, made: Parameters<typeof shareCreatedBody>[2]): Html {
  return layout(page, page.t('share.created.title'), shareCreatedBody(page, paths, made));
}

export function sharePreviewPage(page: PageContext, view: SharedView): Html {
  return layout(page, page.t('share.preview.title'), sharedBody(page, view));
}

/** Too many links opened from one network in a short time: when to try again. */
export function shareTooManyPage(page: PageContext, retryAt: Date): Html {
  const { t } = page;
  return layout(
    page,
    t('share.tooMany.title'),
    html`<h1>${t('share.tooMany.title')}</h1>
<p>${t('share.tooMany.text', { time: formatRigaDateTime(retryAt) })}</p>
${contactParagraph(page)}`,
  );
}
