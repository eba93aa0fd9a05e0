/**
 * The pages the Latvija.lv e-service embeds in its frame: no site header or footer (the e-service has its own),
 * Latvian or English, no script. Every link and form inside carries the embed session's id (`s`), never the
 * person's code; the e-service frame cannot rely on our cookies (browsers block them in a third-party frame).
 */
import { html } from 'hono/html';
import type { EserviceCertificate } from '../src/data/eservice.js';
import type { PaperRequestSummary } from '../src/data/paper-requests.js';
import { examTitle } from '../src/domain/exam-title.js';
import { formatDate, formatRigaDateTime, rigaDate } from '../src/domain/riga-time.js';
import type { DeliveryChoice, PaperFormProblem } from '../src/eservice/paper-form.js';
import type { Language, Translate } from '../src/i18n.js';
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

export function embedLayout(page: EmbedContext, title: string, main: Html): Html {
  const { t, lang } = page;
  const other: Language = lang === 'lv' ? 'en' : 'lv';
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · ${t('site.name')}</title>
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
${c.state === 'issued' && view.sessionId !== undefined
  ? html`<p class="embed-actions">
${download ? html`<a class="button" href="${download}" download>${t('eservice.download')}<span class="visually-hidden"> ${c.number}</span></a>` : ''}
${open ? '' : html`<a class="button secondary" href="${embedHref(paperPath(c.number), view.sessionId, lang)}">${t('eservice.requestPaper')}<span class="visually-hidden"> ${c.number}</span></a>`}
</p>`
  : ''}
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
${view.certificates.length === 0
  ? html`<p>${t('eservice.none')}</p>`
  : html`<ul class="certificates">${view.certificates.map((c) => certificateItem(page, view, c))}</ul>`}
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

function fieldError(page: EmbedContext, problems: PaperFormProblem[], field: string) {
  const problem = problems.find((p) => p.field === field);
  return problem ? html`<p class="field-error" id="${field}-error">${page.t(`paperRequests.problem.${problem.problem}`)}</p>` : '';
}

function input(page: EmbedContext, view: PaperFormView, field: 'recipient' | 'line1' | 'line2' | 'city' | 'postcode' | 'country', autocomplete: string, required: boolean) {
  const bad = view.problems.some((p) => p.field === field);
  return html`<label for="${field}">${page.t(`eservice.paper.field.${field}`)}${required ? html` <span class="muted">${page.t('eservice.paper.ifPost')}</span>` : ''}</label>
<input type="text" id="${field}" name="${field}" value="${view.values[field] ?? ''}" autocomplete="${autocomplete}"${bad ? html` aria-invalid="true" aria-describedby="${field}-error"` : ''}>
${fieldError(page, view.problems, field)}`;
}

export function paperFormPage(page: EmbedContext, view: PaperFormView) {
  const { t } = page;
  const delivery = view.values.delivery ?? 'post';
  const action = `${paperPath(view.certificate.number)}?lang=${page.lang}`;
  const body = view.existing
    ? html`<div class="notice" role="status"><p>${t('eservice.paper.alreadyOpen')}</p></div>
${paperStatus(page, view.existing)}`
    : html`${view.message || view.problems.length > 0 ? html`<div class="errors" role="alert"><p>${view.message ?? t('paperRequests.problem.summary')}</p></div>` : ''}
<form method="post" action="${action}" novalidate>
<input type="hidden" name="s" value="${view.sessionId}">
<fieldset>
<legend>${t('eservice.paper.how')}</legend>
<div class="choice"><input type="radio" id="delivery-post" name="delivery" value="post"${delivery === 'post' ? ' checked' : ''}> <label for="delivery-post">${t('eservice.paper.post')}</label></div>
<div class="choice"><input type="radio" id="delivery-pickup" name="delivery" value="pickup"${delivery === 'pickup' ? ' checked' : ''} aria-describedby="pickup-place"> <label for="delivery-pickup">${t('eservice.paper.pickup')}</label>
<p class="hint" id="pickup-place">${t('eservice.paper.pickupPlace')}</p></div>
${fieldError(page, view.problems, 'delivery')}
</fieldset>
<fieldset>
<legend>${t('eservice.paper.address')}</legend>
${input(page, view, 'recipient', 'name', true)}
${input(page, view, 'line1', 'address-line1', true)}
${input(page, view, 'line2', 'address-line2', false)}
${input(page, view, 'city', 'address-level2', true)}
${input(page, view, 'postcode', 'postal-code', true)}
${input(page, view, 'country', 'country-name', true)}
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
  );
}

export function paperReviewPage(page: EmbedContext, view: { sessionId: string; certificate: EserviceCertificate; choice: DeliveryChoice; values: Record<string, string> }) {
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
${address
  ? html`<dt>${t('eservice.paper.address')}</dt><dd class="address">${address.recipient}<br>${address.line1}<br>${address.line2 ? html`${address.line2}<br>` : ''}${address.postcode} ${address.city}<br>${address.country}</dd>`
  : ''}
</dl>
<form method="post" action="${action}">
<input type="hidden" name="s" value="${view.sessionId}">
${fields.map((f) => (view.values[f] ? html`<input type="hidden" name="${f}" value="${view.values[f]}">` : ''))}
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
