/**
 * Agency staff: "Annulment" (/staff/agency/annulments). Find a certificate by number or by the holder's personal
 * code, ask for it to be annulled with a reason, and decide the requests of others: each request waits for a
 * second member of staff, who confirms (the certificate is annulled) or rejects it (it stays valid).
 */
import { html } from 'hono/html';
import type { AnnulmentRequestRow, CertificateMatch } from '../src/data/annulment-requests.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { agencyBackLink, subjectName } from './agency-overview.js';
import { csrfField, errorFor, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface AnnulmentsView {
  pending: AnnulmentRequestRow[];
  decided: AnnulmentRequestRow[];
  /** The signed-in user: their own requests wait for someone else. */
  userId: number;
  errors: FormError[];
  /** What the search form was sent with, and what it found (undefined: no search yet). */
  search?: { number: string; person: string };
  found?: CertificateMatch[];
  /** The request form as sent, when it came back with a problem. */
  requestForm?: { number: string; reason: string };
  done?: { step: 'requested' | 'confirmed' | 'rejected'; number: string };
}

function findForm(page: PageContext, view: AnnulmentsView) {
  const { t } = page;
  return html`<section aria-labelledby="find-title">
<h2 id="find-title">${t('agency.annul.find.title')}</h2>
<form method="post" action="/staff/agency/annulments/find" class="agency-form">
${csrfField(page.user)}
${field(page, {
  name: 'number',
  id: 'find-number',
  label: t('agency.annul.find.number'),
  hint: t('agency.annul.find.numberHint'),
  value: view.search?.number ?? '',
  error: errorFor(view.errors, 'find-number'),
  attributes: { autocomplete: 'off', spellcheck: 'false' },
})}
${field(page, {
  name: 'person',
  id: 'find-person',
  label: t('agency.annul.find.person'),
  hint: t('agency.annul.find.personHint'),
  value: view.search?.person ?? '',
  error: errorFor(view.errors, 'find-person'),
  attributes: { autocomplete: 'off', inputmode: 'numeric' },
})}
<button type="submit">${t('agency.annul.find.submit')}</button>
</form>
${view.found ? foundTable(page, view.found) : ''}
</section>`;
}

function requestForm(page: PageContext, number: string, reason: string, error: string | undefined, idSuffix: string) {
  const { t } = page;
  return html`<form method="post" action="/staff/agency/annulments" class="agency-inline-form">
${csrfField(page.user)}
${hiddenField('number', number)}
${field(page, {
  name: 'reason',
  id: `reason${idSuffix}`,
  label: html`${t('agency.annul.request.reason')}<span class="visually-hidden"> ${number}</span>`,
  value: reason,
  error,
  attributes: { required: true, maxlength: '500' },
})}
<button type="submit" class="small">${t('agency.annul.request.submit')}<span class="visually-hidden"> ${number}</span></button>
</form>`;
}

function state(page: PageContext, match: CertificateMatch) {
  const { t } = page;
  if (match.state === 'annulled')
    return html`<strong class="tag tag-bad">${t('agency.annul.state.annulled')}</strong>${match.annulledAt ? html` ${formatRigaDateTime(new Date(match.annulledAt))}` : ''}${match.annulledReason ? html`<br><span class="muted">${match.annulledReason}</span>` : ''}`;
  if (match.pendingRequestId !== null) return html`<strong class="tag">${t('agency.annul.state.pending')}</strong>`;
  return t('agency.annul.state.issued');
}

function foundTable(page: PageContext, found: CertificateMatch[]) {
  const { t } = page;
  if (found.length === 0) return html`<p role="status">${t('agency.annul.find.none')}</p>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="found-caption" tabindex="0">
<table class="agency-found">
<caption id="found-caption">${t('agency.annul.find.caption', { count: found.length })}</caption>
<thead><tr>
<th scope="col">${t('agency.annul.col.number')}</th>
<th scope="col">${t('agency.annul.col.holder')}</th>
<th scope="col">${t('agency.annul.col.exam')}</th>
<th scope="col">${t('agency.annul.col.issued')}</th>
<th scope="col">${t('agency.annul.col.state')}</th>
<th scope="col">${t('agency.annul.col.action')}</th>
</tr></thead>
<tbody>
${found.map(
  (m, index) => html`<tr>
<th scope="row" class="code">${m.number}</th>
<td>${m.holderName}</td>
<td>${subjectName(page, m)}</td>
<td class="nowrap">${formatDate(m.issuedOn)}</td>
<td>${state(page, m)}</td>
<td>${m.state === 'issued' && m.pendingRequestId === null ? requestForm(page, m.number, '', undefined, `-${index}`) : ''}</td>
</tr>`,
)}
</tbody></table></div>`;
}

function decisionForms(page: PageContext, view: AnnulmentsView, row: AnnulmentRequestRow) {
  const { t } = page;
  if (row.requestedBy.userId === view.userId) return html`<p class="muted">${t('agency.annul.pending.own')}</p>`;
  const form = (decision: 'confirm' | 'reject') => html`<form method="post" action="/staff/agency/annulments/${String(row.id)}/${decision}" class="inline">
${csrfField(page.user)}
<button type="submit" class="small${decision === 'reject' ? ' secondary' : ''}">${t(`agency.annul.pending.${decision}`)}<span class="visually-hidden"> ${row.number}</span></button>
</form>`;
  return html`${form('confirm')} ${form('reject')}`;
}

function pendingTable(page: PageContext, view: AnnulmentsView) {
  const { t } = page;
  return html`<section aria-labelledby="pending-title">
<h2 id="pending-title">${t('agency.annul.pending.title')}</h2>
<p>${t('agency.annul.pending.intro')}</p>
${
  view.pending.length === 0
    ? html`<p>${t('agency.annul.pending.none')}</p>`
    : html`<div class="table-scroll" role="region" aria-labelledby="pending-caption" tabindex="0">
<table class="agency-requests">
<caption id="pending-caption" class="visually-hidden">${t('agency.annul.pending.title')}</caption>
<thead><tr>
<th scope="col">${t('agency.annul.col.number')}</th>
<th scope="col">${t('agency.annul.col.holder')}</th>
<th scope="col">${t('agency.annul.col.reason')}</th>
<th scope="col">${t('agency.annul.col.requested')}</th>
<th scope="col">${t('agency.annul.col.action')}</th>
</tr></thead>
<tbody>
${view.pending.map(
  (row) => html`<tr id="request-${String(row.id)}">
<th scope="row" class="code">${row.number}</th>
<td>${row.holderName}</td>
<td>${row.reason}</td>
<td>${row.requestedBy.name}<br><span class="muted nowrap">${formatRigaDateTime(new Date(row.requestedAt))}</span></td>
<td>${decisionForms(page, view, row)}</td>
</tr>`,
)}
</tbody></table></div>`
}
</section>`;
}

function decidedTable(page: PageContext, view: AnnulmentsView) {
  const { t } = page;
  if (view.decided.length === 0) return '';
  return html`<section aria-labelledby="decided-title">
<h2 id="decided-title">${t('agency.annul.decided.title')}</h2>
<div class="table-scroll" role="region" aria-labelledby="decided-caption" tabindex="0">
<table class="agency-requests">
<caption id="decided-caption" class="visually-hidden">${t('agency.annul.decided.title')}</caption>
<thead><tr>
<th scope="col">${t('agency.annul.col.number')}</th>
<th scope="col">${t('agency.annul.col.reason')}</th>
<th scope="col">${t('agency.annul.col.requested')}</th>
<th scope="col">${t('agency.annul.col.decision')}</th>
</tr></thead>
<tbody>
${view.decided.map(
  (row) => html`<tr>
<th scope="row" class="code">${row.number}</th>
<td>${row.reason}</td>
<td>${row.requestedBy.name}</td>
<td>${t(`agency.annul.decided.${row.status}`)}: ${row.decidedBy ?? ''}<br><span class="muted nowrap">${row.decidedAt ? formatRigaDateTime(new Date(row.decidedAt)) : ''}</span></td>
</tr>`,
)}
</tbody></table></div>
</section>`;
}

/** The request form on its own, shown when one came back with a problem (the number may be one not yet found). */
function returnedRequestForm(page: PageContext, view: AnnulmentsView) {
  if (!view.requestForm) return '';
  const { t } = page;
  return html`<section aria-labelledby="request-title">
<h2 id="request-title">${t('agency.annul.request.title')}</h2>
<form method="post" action="/staff/agency/annulments" class="agency-form">
${csrfField(page.user)}
${field(page, { name: 'number', label: t('agency.annul.find.number'), value: view.requestForm.number, error: errorFor(view.errors, 'number'), attributes: { autocomplete: 'off' } })}
${field(page, { name: 'reason', label: t('agency.annul.request.reason'), value: view.requestForm.reason, error: errorFor(view.errors, 'reason'), attributes: { required: true, maxlength: '500' } })}
<button type="submit">${t('agency.annul.request.submit')}</button>
</form>
</section>`;
}

export function agencyAnnulmentsPage(page: PageContext, view: AnnulmentsView) {
  const { t } = page;
  const notice = view.done
    ? html`<div class="notice success" role="status"><p>${t(`agency.annul.done.${view.done.step}`, { number: view.done.number })}</p></div>`
    : '';
  return layout(
    page,
    t('agency.annul.title'),
    html`${agencyBackLink(page)}
<h1>${t('agency.annul.title')}</h1>
<p class="lead">${t('agency.annul.intro')}</p>
${errorSummary(page, { errors: view.errors, ...(view.errors.some((e) => e.field === undefined) ? { description: t('agency.annul.problem.nothingChanged') } : {}) })}
${notice}
${returnedRequestForm(page, view)}
${pendingTable(page, view)}
${findForm(page, view)}
${decidedTable(page, view)}
<p class="hint">${t('agency.help', { email: page.contact.email, phone: page.contact.phone })}</p>`,
    { error: view.errors.length > 0 },
  );
}
