/**
 * The pages the Latvija.lv e-service embeds in its frame: no site header or footer (the e-service has its own),
 * Latvian or English. Every link and form inside carries the embed session's id (`s`), never the person's code;
 * the e-service frame cannot rely on our cookies (browsers block them in a third-party frame). The pages work
 * without script; the one small script (eservice-session.js) only announces that the session is about to end.
 */
import { html } from 'hono/html';
import type { PaperCopyConfig, ServiceContact } from '../src/config.js';
import type { EserviceCertificate } from '../src/data/eservice.js';
import type { DeliveryChoice, PaperDraft, PaperRequestSummary } from '../src/data/paper-requests.js';
import { examTitle } from '../src/domain/exam-title.js';
import { formatDate, formatRigaDateTime, rigaDate } from '../src/domain/riga-time.js';
import { PAPER_FORM_FIELDS, type PaperFormProblem } from '../src/eservice/paper-form.js';
import type { Language, Translate } from '../src/i18n.js';
import { eserviceLink } from './eservice-link.js';
import { errorFor, errorSummary, field, hiddenField, type FormError } from './forms.js';
import type { Html } from './layout.js';

export interface EmbedContext {
  t: Translate;
  lang: Language;
  css: string;
  /** The script that warns before the session ends. */
  sessionScript: string;
  /** The agency's help route: every state that needs a next step names it. */
  contact: ServiceContact;
  /** The same view in the other language; absent where there is nothing to switch. */
  switchHref?: string;
}

/** Who the pages are about: the holder, and whether a representative (a parent) is acting for them. */
export interface EmbedPerson {
  holderName: string;
  representative: boolean;
}

/** How long the session lasts, for the statement on the page and the warning before it ends. */
export interface SessionEnd {
  expiresAt: Date;
}

/** A path inside the embed with the session id and language; the id is a query value, which logs never keep. */
export function embedHref(path: string, sessionId: string, lang: Language, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ s: sessionId, lang, ...extra });
  return `${path}?${query.toString()}`;
}

export function paperPath(number: string): string {
  return `/eservice/paper/${encodeURIComponent(number)}`;
}

/** The agency's help route, as the next step of a state that needs one. */
export function contactText(page: EmbedContext): Html {
  const { t, contact, lang } = page;
  return html`<p class="contact">${t('eservice.contact', { hours: contact.hours[lang] })} <a href="mailto:${contact.email}">${contact.email}</a>, <a href="tel:${contact.phone.replace(/[^\d+]/g, '')}">${contact.phone}</a>.</p>`;
}

/**
 * A representative acting for someone: a banner above everything, naming the represented person. The name
 * follows a label ("Pārstāvamā persona: Jānis Bērziņš"), so it stays in the nominative and is never declined
 * wrongly; Latvian names are declined by rules a register name cannot always be fitted to.
 */
export function representativeBanner(page: EmbedContext, person: EmbedPerson | undefined): Html | '' {
  if (!person?.representative) return '';
  const { t } = page;
  return html`<div class="representative-banner" role="region" aria-labelledby="representative-title">
<p id="representative-title"><strong>${t('eservice.representative.title')}</strong></p>
<p>${t('eservice.representative.label')}: <strong class="represented-name">${person.holderName}</strong></p>
<p>${t('eservice.representative.text')}</p>
</div>`;
}

/**
 * When the session ends, stated on the page (without script), and a live region the script fills a few minutes
 * before the end and at the end; both say what becomes of what was typed.
 */
function sessionEndNotice(page: EmbedContext, session: SessionEnd, form: boolean): Html {
  const { t } = page;
  const time = formatRigaDateTime(session.expiresAt);
  const statement = form ? `${t('eservice.session.endsAt', { time })} ${t('eservice.session.kept')}` : t('eservice.validUntil', { time });
  return html`<p class="hint session-end">${statement}</p>
<div class="session-warning" id="session-warning" aria-live="assertive" aria-atomic="true" data-ends-at="${session.expiresAt.toISOString()}" data-warn-text="${t(form ? 'eservice.session.warnForm' : 'eservice.session.warn', { time })}" data-ended-text="${t(form ? 'eservice.session.endedForm' : 'eservice.session.ended')}"></div>`;
}

export function embedLayout(
  page: EmbedContext,
  title: string,
  main: Html,
  options: { error?: boolean; session?: SessionEnd; form?: boolean; person?: EmbedPerson } = {},
): Html {
  const { t, lang } = page;
  const other: Language = lang === 'lv' ? 'en' : 'lv';
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.error ? `${t('forms.errorPrefix')} ` : ''}${title} · ${t('site.name')}</title>
<link rel="stylesheet" href="${page.css}">
<link rel="icon" href="data:,">
${options.session ? html`<script src="${page.sessionScript}" defer></script>` : ''}
</head>
<body class="embed">
<main id="main">
${page.switchHref ? html`<p class="embed-language"><a href="${page.switchHref}" hreflang="${other}" lang="${other}">${t(`layout.switchTo.${other}`)}</a></p>` : ''}
${representativeBanner(page, options.person)}
${main}
${options.session ? sessionEndNotice(page, options.session, options.form ?? false) : ''}
</main>
</body>
</html>`;
}

export interface CertificateListView {
  holder: { firstName: string; lastName: string } | undefined;
  representative: boolean;
  certificates: EserviceCertificate[];
  /** certificate id → download link path */
  downloads: Map<number, string>;
  papers: Map<number, PaperRequestSummary>;
  /** Absent when the person is not in the register (nothing to act on). */
  sessionId?: string;
  expiresAt?: Date;
  /** The certificate whose paper request was just filed. */
  requested?: string;
  /** Paper request forms kept after an earlier session ended: certificate id → draft. */
  drafts?: Map<number, PaperDraft>;
}

function levelText(page: EmbedContext, certificate: EserviceCertificate): string {
  return page.t(`eservice.level.${certificate.level ?? 'basic'}`);
}

function paperStatus(page: EmbedContext, paper: PaperRequestSummary) {
  const { t } = page;
  const kind = paper.delivery === 'pickup' ? 'pickup' : 'post';
  const when = paper.status === 'received' ? paper.requestedAt : paper.status === 'printed' ? paper.printedAt! : paper.sentAt!;
  return html`<p class="paper-status"><strong>${t('eservice.paper.label')}:</strong> ${t(`eservice.paper.${paper.status}.${kind}`, { date: formatDate(rigaDate(new Date(when))) })} (${t('eservice.paper.referenceShort')} <span class="reference">${paper.reference}</span>)</p>`;
}

function certificateItem(page: EmbedContext, view: CertificateListView, c: EserviceCertificate) {
  const { t, lang } = page;
  const paper = view.papers.get(c.certificateId);
  const open = paper !== undefined && paper.status !== 'sent';
  const download = view.downloads.get(c.certificateId);
  const draft = open ? undefined : view.drafts?.get(c.certificateId);
  return html`<li class="certificate">
<h2>${examTitle(c, lang)}</h2>
<dl>
<dt>${t('eservice.col.date')}</dt><dd>${formatDate(c.issuedOn)}</dd>
<dt>${t('eservice.col.number')}</dt><dd class="code">${c.number}</dd>
<dt>${t('eservice.col.level')}</dt><dd>${levelText(page, c)}</dd>
<dt>${t('eservice.col.total')}</dt><dd>${c.total}&nbsp;%</dd>
${c.state === 'annulled' ? html`<dt>${t('eservice.col.state')}</dt><dd class="bad">${t('eservice.annulled', { date: c.annulledOn ? formatDate(c.annulledOn) : '' })}</dd>` : ''}
</dl>
${
  c.state === 'issued' && view.sessionId !== undefined
    ? html`<p class="embed-actions">
${download ? html`<a class="button" href="${download}" download>${t('eservice.download')}<span class="visually-hidden"> ${c.number}</span></a>` : ''}
${open ? '' : html`<a class="button secondary" href="${embedHref(paperPath(c.number), view.sessionId, lang)}">${t(draft ? 'eservice.draft.continue' : 'eservice.requestPaper')}<span class="visually-hidden"> ${c.number}</span></a>`}
</p>
${draft ? html`<p class="paper-status draft">${t('eservice.draft.listed', { saved: formatRigaDateTime(draft.savedAt), until: formatRigaDateTime(draft.expiresAt) })}</p>` : ''}`
    : ''
}
${paper ? paperStatus(page, paper) : ''}
</li>`;
}

export function certificateListPage(page: EmbedContext, view: CertificateListView) {
  const { t } = page;
  const name = view.holder ? `${view.holder.firstName} ${view.holder.lastName}` : undefined;
  return embedLayout(
    page,
    t('eservice.title'),
    html`<h1>${t('eservice.title')}</h1>
${name ? html`<p class="lead">${t('eservice.holder', { name })}</p>` : ''}
${view.requested ? html`<div class="notice success" role="status"><p>${t('eservice.paper.done', { number: view.requested })}</p></div>` : ''}
${
  view.certificates.length === 0
    ? html`<p>${t('eservice.none')}</p>${contactText(page)}`
    : html`<ul class="certificates">${view.certificates.map((c) => certificateItem(page, view, c))}</ul>`
}
${
  view.sessionId !== undefined
    ? html`<p class="share-entry"><a href="${embedHref('/eservice/share', view.sessionId, page.lang)}">${t('share.title')}</a> · <a href="${embedHref('/eservice/history', view.sessionId, page.lang)}">${t('accessHistory.link')}</a></p>`
    : ''
}
${view.sessionId ? html`<p class="notices-link"><a href="${embedHref('/eservice/notices', view.sessionId, page.lang)}">${t('notices.eserviceLink')}</a></p>` : ''}
`,
    {
      ...(name ? { person: { holderName: name, representative: view.representative } } : {}),
      ...(view.expiresAt ? { session: { expiresAt: view.expiresAt } } : {}),
    },
  );
}

export interface PaperFormView {
  sessionId: string;
  expiresAt: Date;
  certificate: EserviceCertificate;
  person: EmbedPerson;
  paper: PaperCopyConfig;
  values: Record<string, string>;
  problems: PaperFormProblem[];
  /** An open request already exists (shown instead of the form). */
  existing?: PaperRequestSummary;
  /** The values come from a form sent after an earlier session ended. */
  restored?: PaperDraft;
  /** A refusal of the whole request, already translated. */
  message?: string;
}

function certificateSummary(page: EmbedContext, certificate: EserviceCertificate) {
  const { t, lang } = page;
  return html`<dl class="summary">
<dt>${t('eservice.paper.certificate')}</dt><dd>${examTitle(certificate, lang)}</dd>
<dt>${t('eservice.col.number')}</dt><dd class="code">${certificate.number}</dd>
</dl>`;
}

function backLink(page: EmbedContext, sessionId: string) {
  return html`<p><a href="${embedHref('/eservice/certificates', sessionId, page.lang)}">${page.t('eservice.back')}</a></p>`;
}

/** "5,00 €" or "€5.00"; "bez maksas" / "free of charge" when nothing is charged. */
export function priceText(page: Pick<EmbedContext, 't' | 'lang'>, cents: number): string {
  if (cents === 0) return page.t('eservice.paper.facts.free');
  return new Intl.NumberFormat(page.lang === 'lv' ? 'lv-LV' : 'en-IE', { style: 'currency', currency: 'EUR' }).format(cents / 100);
}

/** "10 darba dienu laikā" / "21 darba dienas laikā": Latvian numbers ending in 1 (not 11) take the singular. */
export function deliveryTimeText(page: Pick<EmbedContext, 't' | 'lang'>, days: number): string {
  const form = new Intl.PluralRules(page.lang).select(days) === 'one' ? 'one' : 'other';
  return page.t(`eservice.paper.facts.within.${form}`, { days });
}

/** What a paper copy costs, how long it takes and where it is picked up: stated before anyone asks. */
function paperFacts(page: EmbedContext, paper: PaperCopyConfig) {
  const { t, lang } = page;
  return html`<dl class="summary paper-facts">
<dt>${t('eservice.paper.facts.price')}</dt><dd>${priceText(page, paper.priceCents)}</dd>
<dt>${t('eservice.paper.facts.time')}</dt><dd>${deliveryTimeText(page, paper.deliveryWorkingDays)}</dd>
<dt>${t('eservice.paper.facts.pickupAddress')}</dt><dd>${paper.pickupAddress}</dd>
<dt>${t('eservice.paper.facts.pickupHours')}</dt><dd>${paper.pickupHours[lang]}</dd>
</dl>`;
}

const ADDRESS_FIELDS = [
  { name: 'recipient', autocomplete: 'name' },
  { name: 'line1', autocomplete: 'address-line1' },
  { name: 'line2', autocomplete: 'address-line2' },
  { name: 'city', autocomplete: 'address-level2' },
  { name: 'postcode', autocomplete: 'postal-code' },
  { name: 'country', autocomplete: 'country-name' },
] as const;

/** The problems as messages per field, and for the summary with the field's name: the messages alone are generic. */
function paperFormErrors(page: EmbedContext, view: PaperFormView): { byField: FormError[]; summary: FormError[] } {
  const { t } = page;
  const byField = view.problems.map((p) => ({
    field: p.field,
    text: t(`paperRequests.problem.${p.field === 'postcode' && p.problem === 'invalid' ? 'postcode' : p.problem}`),
  }));
  const labelled = view.problems.map((p, i) => ({
    field: p.field,
    text: `${p.field === 'delivery' ? t('eservice.paper.delivery') : t(`eservice.paper.field.${p.field}`)}: ${byField[i]!.text}`,
  }));
  return { byField, summary: [...(view.message ? [{ text: view.message }] : []), ...labelled] };
}

export function paperFormPage(page: EmbedContext, view: PaperFormView) {
  const { t } = page;
  const delivery = view.values.delivery === 'pickup' ? 'pickup' : 'post';
  const action = `${paperPath(view.certificate.number)}?lang=${page.lang}`;
  const { byField, summary } = paperFormErrors(page, view);
  const restored = view.restored
    ? html`<div class="notice" role="status"><p>${t('eservice.draft.restored', { saved: formatRigaDateTime(view.restored.savedAt) })}</p></div>`
    : '';
  const body = view.existing
    ? html`<div class="notice" role="status"><p>${t('eservice.paper.alreadyOpen')}</p></div>
${paperStatus(page, view.existing)}
${contactText(page)}`
    : html`${errorSummary(page, { errors: summary, ...(byField.length > 0 ? { description: t('paperRequests.problem.summary') } : {}) })}
${restored}
${paperFacts(page, view.paper)}
<form class="paper-form" method="post" action="${action}" novalidate>
${hiddenField('s', view.sessionId)}
${field(page, {
  control: 'radios',
  name: 'delivery',
  label: t('eservice.paper.how'),
  value: delivery,
  items: [
    { value: 'post', label: t('eservice.paper.post'), hint: t('eservice.paper.postHint', { within: deliveryTimeText(page, view.paper.deliveryWorkingDays) }) },
    {
      value: 'pickup',
      label: t('eservice.paper.pickup'),
      hint: t('eservice.paper.pickupPlace', { address: view.paper.pickupAddress, hours: view.paper.pickupHours[page.lang] }),
    },
  ],
  error: errorFor(byField, 'delivery'),
})}
<div class="postal-address">
<fieldset>
<legend>${t('eservice.paper.address')}</legend>
<p class="hint">${t('eservice.paper.addressHint')}</p>
${ADDRESS_FIELDS.map((f) =>
  field(page, {
    name: f.name,
    label: t(`eservice.paper.field.${f.name}`),
    ...(f.name === 'postcode' ? { hint: t('eservice.paper.postcodeHint') } : {}),
    value: view.values[f.name] ?? '',
    error: errorFor(byField, f.name),
    attributes: { autocomplete: f.autocomplete, ...(f.name === 'postcode' ? { spellcheck: 'false' } : {}) },
  }),
)}
</fieldset>
</div>
<button type="submit" name="step" value="review">${t('eservice.paper.continue')}</button>
</form>`;
  return embedLayout(
    page,
    t('eservice.paper.title'),
    html`<h1>${t('eservice.paper.title')}</h1>
${certificateSummary(page, view.certificate)}
${body}
${backLink(page, view.sessionId)}`,
    { error: summary.length > 0 && !view.existing, person: view.person, ...(view.existing ? {} : { session: { expiresAt: view.expiresAt }, form: true }) },
  );
}

export function paperReviewPage(
  page: EmbedContext,
  view: {
    sessionId: string;
    expiresAt: Date;
    certificate: EserviceCertificate;
    person: EmbedPerson;
    paper: PaperCopyConfig;
    choice: DeliveryChoice;
    values: Record<string, string>;
  },
) {
  const { t } = page;
  const action = `${paperPath(view.certificate.number)}?lang=${page.lang}`;
  const address = view.choice.delivery === 'post' ? view.choice.address : undefined;
  const pickupPlace = t('eservice.paper.pickupPlace', { address: view.paper.pickupAddress, hours: view.paper.pickupHours[page.lang] });
  return embedLayout(
    page,
    t('eservice.paper.reviewTitle'),
    html`<h1>${t('eservice.paper.reviewTitle')}</h1>
${certificateSummary(page, view.certificate)}
<dl class="summary">
<dt>${t('eservice.paper.delivery')}</dt><dd>${view.choice.delivery === 'post' ? t('eservice.paper.post') : html`${t('eservice.paper.pickup')}<br>${pickupPlace}`}</dd>
${
  address
    ? html`<dt>${t('eservice.paper.address')}</dt><dd class="address">${address.recipient}<br>${address.line1}<br>${address.line2 ? html`${address.line2}<br>` : ''}${address.postcode} ${address.city}<br>${address.country}</dd>`
    : ''
}
<dt>${t('eservice.paper.facts.price')}</dt><dd>${priceText(page, view.paper.priceCents)}</dd>
<dt>${t('eservice.paper.facts.time')}</dt><dd>${deliveryTimeText(page, view.paper.deliveryWorkingDays)}</dd>
</dl>
<form method="post" action="${action}">
${hiddenField('s', view.sessionId)}
${PAPER_FORM_FIELDS.map((f) => (view.values[f] ? hiddenField(f, view.values[f]) : ''))}
<p class="embed-actions">
<button type="submit" name="step" value="confirm">${t('eservice.paper.confirm')}</button>
<button type="submit" name="step" value="change" class="secondary">${t('eservice.paper.change')}</button>
</p>
</form>
${backLink(page, view.sessionId)}`,
    { person: view.person, session: { expiresAt: view.expiresAt }, form: true },
  );
}

/** The request is filed: its reference, what happens next and when, and whom to ask. */
export function paperConfirmationPage(
  page: EmbedContext,
  view: { sessionId: string; certificate: EserviceCertificate; person: EmbedPerson; paper: PaperCopyConfig; request: PaperRequestSummary },
) {
  const { t, lang } = page;
  const within = deliveryTimeText(page, view.paper.deliveryWorkingDays);
  const next =
    view.request.delivery === 'post'
      ? t('eservice.confirmation.nextPost', { within })
      : t('eservice.confirmation.nextPickup', { within, address: view.paper.pickupAddress, hours: view.paper.pickupHours[lang] });
  return embedLayout(
    page,
    t('eservice.confirmation.title'),
    html`<div class="confirmation-panel">
<h1>${t('eservice.confirmation.title')}</h1>
<p>${t('eservice.confirmation.reference')}<br><strong class="reference">${view.request.reference}</strong></p>
</div>
${certificateSummary(page, view.certificate)}
<h2>${t('eservice.confirmation.nextTitle')}</h2>
<p>${next}</p>
<p>${t('eservice.confirmation.price', { price: priceText(page, view.paper.priceCents) })}</p>
<p>${t('eservice.confirmation.status')}</p>
${contactText(page)}
${backLink(page, view.sessionId)}`,
    { person: view.person },
  );
}

/** A form sent after the session ended, kept for the same person: what became of it and how to finish it. */
export function paperDraftSavedPage(page: EmbedContext, view: { certificateNumber: string; expiresAt: Date }) {
  const { t } = page;
  return embedLayout(
    page,
    t('eservice.draft.savedTitle'),
    html`<h1>${t('eservice.draft.savedTitle')}</h1>
<p>${t('eservice.draft.savedText', { number: view.certificateNumber, until: formatRigaDateTime(view.expiresAt) })}</p>
<p>${t('eservice.draft.howToReturn')} ${eserviceLink(page)}. ${t('eservice.draft.thenChoose')}</p>
<p>${t('eservice.draft.onlyYou')}</p>
${contactText(page)}`,
  );
}

export type EmbedRefusal = 'token' | 'expired' | 'not-found' | 'forbidden' | 'unavailable';

/** A refusal inside the frame: what happened, what to do (open the list again from the e-service), whom to ask. */
export function embedRefusedPage(page: EmbedContext, kind: EmbedRefusal, sessionId?: string) {
  const { t } = page;
  return embedLayout(
    page,
    t(`eservice.refused.${kind}.title`),
    html`<h1>${t(`eservice.refused.${kind}.title`)}</h1>
<p>${t(`eservice.refused.${kind}.text`)}</p>
${kind === 'unavailable' ? '' : html`<p>${t('eservice.refused.reopen')} ${eserviceLink(page)}.</p>`}
${contactText(page)}
${sessionId ? backLink(page, sessionId) : ''}`,
  );
}
