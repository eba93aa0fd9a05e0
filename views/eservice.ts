/**
 * The pages the Latvija.lv e-service embeds in its frame: no site header or footer (the e-service has its own),
 * Latvian or English, no script. Every link and form inside carries the embed session's id (`s`), never the
 * person's code; the e-service frame cannot rely on our cookies (browsers block them in a third-party frame).
 */
import { html } from 'hono/html';
import type { EserviceCertificate } from '../src/data/eservice.js';
import type { DeliveryChoice, PaperRequestSummary } from '../src/data/paper-requests.js';
import { examTitle } from '../src/domain/exam-title.js';
import { formatDate, formatRigaDateTime, rigaDate } from '../src/domain/riga-time.js';
import type { PaperFormProblem } from '../src/eservice/paper-form.js';
import type { Language, Translate } from '../src/i18n.js';
import { errorFor, errorSummary, field, hiddenField, type FormError } from './forms.js';
import type { Html } from './layout.js';

export interface EmbedContext {
  t: Translate;
  lang: Language;
  css: string;
  /** The same view in the other language; absent where there is nothing to switch. */
  switchHref?: string;
}

/** A path inside the embed with the session id and language; the id is a query value, which logs never keep. */
export function embedHref(path: string, sessionId: string, lang: Language, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ s: sessionId, lang, ...extra });
  return `${path}?${query.toString()}`;
}

export function paperPath(number: string): string {
  return `/eservice/paper/${encodeURIComponent(number)}`;
}

export function embedLayout(page: EmbedContext, title: string, main: Html, options: { error?: boolean } = {}): Html {
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
</head>
<body class="embed">
<main id="main">
${page.switchHref ? html`<p class="embed-language"><a href="${page.switchHref}" hreflang="${other}" lang="${other}">${t(`layout.switchTo.${other}`)}</a></p>` : ''}
${main}
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
}

function levelText(page: EmbedContext, certificate: EserviceCertificate): string {
  return page.t(`eservice.level.${certificate.level ?? 'basic'}`);
}

function paperStatus(page: EmbedContext, paper: PaperRequestSummary) {
  const { t } = page;
  const kind = paper.delivery === 'pickup' ? 'pickup' : 'post';
  const when = paper.status === 'received' ? paper.requestedAt : paper.status === 'printed' ? paper.printedAt! : paper.sentAt!;
  return html`<p class="paper-status"><strong>${t('eservice.paper.label')}:</strong> ${t(`eservice.paper.${paper.status}.${kind}`, { date: formatDate(rigaDate(new Date(when))) })}</p>`;
}

function certificateItem(page: EmbedContext, view: CertificateListView, c: EserviceCertificate) {
  const { t, lang } = page;
  const paper = view.papers.get(c.certificateId);
  const open = paper !== undefined && paper.status !== 'sent';
  const download = view.downloads.get(c.certificateId);
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
${open ? '' : html`<a class="button secondary" href="${embedHref(paperPath(c.number), view.sessionId, lang)}">${t('eservice.requestPaper')}<span class="visually-hidden"> ${c.number}</span></a>`}
</p>`
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
${name ? html`<p class="lead">${view.representative ? t('eservice.representing', { name }) : t('eservice.holder', { name })}</p>` : ''}
${view.requested ? html`<div class="notice success" role="status"><p>${t('eservice.paper.done', { number: view.requested })}</p></div>` : ''}
${
  view.certificates.length === 0
    ? html`<p>${t('eservice.none')}</p>`
    : html`<ul class="certificates">${view.certificates.map((c) => certificateItem(page, view, c))}</ul>`
}
${view.expiresAt ? html`<p class="hint">${t('eservice.validUntil', { time: formatRigaDateTime(view.expiresAt) })}</p>` : ''}`,
  );
}

export interface PaperFormView {
  sessionId: string;
  certificate: EserviceCertificate;
  /** The holder's name, offered as the recipient. */
  holderName: string;
  values: Record<string, string>;
  problems: PaperFormProblem[];
  /** An open request already exists (shown instead of the form). */
  existing?: PaperRequestSummary;
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

const ADDRESS_FIELDS = [
  { name: 'recipient', autocomplete: 'name', ifPost: true },
  { name: 'line1', autocomplete: 'address-line1', ifPost: true },
  { name: 'line2', autocomplete: 'address-line2', ifPost: false },
  { name: 'city', autocomplete: 'address-level2', ifPost: true },
  { name: 'postcode', autocomplete: 'postal-code', ifPost: true },
  { name: 'country', autocomplete: 'country-name', ifPost: true },
] as const;

/** The problems as messages per field, and for the summary with the field's name: the messages alone are generic. */
function paperFormErrors(page: EmbedContext, view: PaperFormView): { byField: FormError[]; summary: FormError[] } {
  const { t } = page;
  const byField = view.problems.map((p) => ({ field: p.field, text: t(`paperRequests.problem.${p.problem}`) }));
  const labelled = view.problems.map((p, i) => ({
    field: p.field,
    text: `${p.field === 'delivery' ? t('eservice.paper.delivery') : t(`eservice.paper.field.${p.field}`)}: ${byField[i]!.text}`,
  }));
  return { byField, summary: [...(view.message ? [{ text: view.message }] : []), ...labelled] };
}

export function paperFormPage(page: EmbedContext, view: PaperFormView) {
  const { t } = page;
  const delivery = view.values.delivery ?? 'post';
  const action = `${paperPath(view.certificate.number)}?lang=${page.lang}`;
  const { byField, summary } = paperFormErrors(page, view);
  const body = view.existing
    ? html`<div class="notice" role="status"><p>${t('eservice.paper.alreadyOpen')}</p></div>
${paperStatus(page, view.existing)}`
    : html`${errorSummary(page, { errors: summary, ...(byField.length > 0 ? { description: t('paperRequests.problem.summary') } : {}) })}
<form method="post" action="${action}" novalidate>
${hiddenField('s', view.sessionId)}
${field(page, {
  control: 'radios',
  name: 'delivery',
  label: t('eservice.paper.how'),
  value: delivery,
  items: [
    { value: 'post', label: t('eservice.paper.post') },
    { value: 'pickup', label: t('eservice.paper.pickup'), hint: t('eservice.paper.pickupPlace') },
  ],
  error: errorFor(byField, 'delivery'),
})}
<fieldset>
<legend>${t('eservice.paper.address')}</legend>
${ADDRESS_FIELDS.map((f) =>
  field(page, {
    name: f.name,
    label: f.ifPost
      ? html`${t(`eservice.paper.field.${f.name}`)} <span class="muted">${t('eservice.paper.ifPost')}</span>`
      : t(`eservice.paper.field.${f.name}`),
    value: view.values[f.name] ?? '',
    error: errorFor(byField, f.name),
    attributes: { autocomplete: f.autocomplete },
  }),
)}
</fieldset>
<button type="submit" name="step" value="review">${t('eservice.paper.continue')}</button>
</form>`;
  return embedLayout(
    page,
    t('eservice.paper.title'),
    html`<h1>${t('eservice.paper.title')}</h1>
${certificateSummary(page, view.certificate)}
${body}
${backLink(page, view.sessionId)}`,
    { error: summary.length > 0 && !view.existing },
  );
}

export function paperReviewPage(
  page: EmbedContext,
  view: { sessionId: string; certificate: EserviceCertificate; choice: DeliveryChoice; values: Record<string, string> },
) {
  const { t } = page;
  const action = `${paperPath(view.certificate.number)}?lang=${page.lang}`;
  const fields = ['delivery', 'recipient', 'line1', 'line2', 'city', 'postcode', 'country'] as const;
  const address = view.choice.delivery === 'post' ? view.choice.address : undefined;
  return embedLayout(
    page,
    t('eservice.paper.reviewTitle'),
    html`<h1>${t('eservice.paper.reviewTitle')}</h1>
${certificateSummary(page, view.certificate)}
<dl class="summary">
<dt>${t('eservice.paper.delivery')}</dt><dd>${view.choice.delivery === 'post' ? t('eservice.paper.post') : html`${t('eservice.paper.pickup')}<br>${t('eservice.paper.pickupPlace')}`}</dd>
${
  address
    ? html`<dt>${t('eservice.paper.address')}</dt><dd class="address">${address.recipient}<br>${address.line1}<br>${address.line2 ? html`${address.line2}<br>` : ''}${address.postcode} ${address.city}<br>${address.country}</dd>`
    : ''
}
</dl>
<form method="post" action="${action}">
${hiddenField('s', view.sessionId)}
${fields.map((f) => (view.values[f] ? hiddenField(f, view.values[f]) : ''))}
<p class="embed-actions">
<button type="submit" name="step" value="confirm">${t('eservice.paper.confirm')}</button>
<button type="submit" name="step" value="change" class="secondary">${t('eservice.paper.change')}</button>
</p>
</form>
${backLink(page, view.sessionId)}`,
  );
}

export type EmbedRefusal = 'token' | 'expired' | 'not-found' | 'forbidden' | 'unavailable';

/** A refusal inside the frame: what happened and what to do (open the list again from the e-service). */
export function embedRefusedPage(page: EmbedContext, kind: EmbedRefusal, sessionId?: string) {
  const { t } = page;
  return embedLayout(
    page,
    t(`eservice.refused.${kind}.title`),
    html`<h1>${t(`eservice.refused.${kind}.title`)}</h1>
<p>${t(`eservice.refused.${kind}.text`)}</p>
${sessionId ? backLink(page, sessionId) : ''}`,
  );
}
