/**
 * Agency staff: "Paper copies" (`/staff/paper-requests`): the requests made through the Latvija.lv e-service,
 * filtered by status, delivery and date; each moved on by one button (printed, then sent or handed over); and
 * the day's postal list ordered as an XLSX report.
 */
import { html } from 'hono/html';
import type { PaperRequestFilters, PaperRequestRow } from '../src/data/paper-requests.js';
import { PAPER_STATUS_FILTERS } from '../src/domain/staff-lists.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { csrfField, errorSummary, field, hiddenField } from './forms.js';
import { layout, type PageContext } from './layout.js';

export const PAPER_REQUESTS_PER_PAGE = 50;

/** The postal list's date field, kept apart from the filters' dates on the same page. */
const POSTAL_DATE_ID = 'postal-date';

export interface PaperRequestsView {
  filters: PaperRequestFilters;
  items: PaperRequestRow[];
  total: number;
  page: number;
  /** The Latvian date offered for the postal list (today). */
  today: string;
  /** What just happened, already translated (a step done, or refused); `field` names the field to blame, if one is. */
  message?: { text: string; tone: 'ok' | 'bad'; field?: 'date' };
}

/** The filters as a query string, so a page, a step and the pager keep them. */
export function filterQuery(filters: PaperRequestFilters, page?: number): string {
  const query = new URLSearchParams({ status: filters.status });
  if (filters.delivery) query.set('delivery', filters.delivery);
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  if (page && page > 1) query.set('page', String(page));
  return query.toString();
}

function filterForm(page: PageContext, filters: PaperRequestFilters) {
  const { t } = page;
  return html`<form method="get" action="/staff/paper-requests" class="choose paper-filters">
${field(page, {
  control: 'select',
  name: 'status',
  label: t('paperRequests.filter.status'),
  value: filters.status,
  options: PAPER_STATUS_FILTERS.map((s) => ({ value: s, text: t(`paperRequests.filter.statuses.${s}`) })),
})}
${field(page, {
  control: 'select',
  name: 'delivery',
  label: t('paperRequests.filter.delivery'),
  value: filters.delivery,
  options: [
    { value: '', text: t('paperRequests.filter.anyDelivery') },
    { value: 'post', text: t('paperRequests.delivery.post') },
    { value: 'pickup', text: t('paperRequests.delivery.pickup') },
  ],
})}
${field(page, { name: 'from', type: 'date', label: t('paperRequests.filter.from'), value: filters.from ?? '' })}
${field(page, { name: 'to', type: 'date', label: t('paperRequests.filter.to'), value: filters.to ?? '' })}
<button type="submit">${t('paperRequests.filter.show')}</button>
</form>`;
}

function address(row: PaperRequestRow) {
  if (row.delivery !== 'post') return '';
  return html`<span class="address">${row.recipient}<br>${row.addressLine1}<br>${row.addressLine2 ? html`${row.addressLine2}<br>` : ''}${row.postcode} ${row.city}<br>${row.country}</span>`;
}

function statusText(page: PageContext, row: PaperRequestRow): string {
  const { t } = page;
  const at = row.status === 'received' ? row.requestedAt : row.status === 'printed' ? row.printedAt! : row.sentAt!;
  return `${t(`paperRequests.status.${row.status}.${row.delivery}`)}, ${formatRigaDateTime(new Date(at))}`;
}

function stepForm(page: PageContext, view: PaperRequestsView, row: PaperRequestRow) {
  const { t } = page;
  const step = row.status === 'received' ? 'printed' : row.status === 'printed' ? 'sent' : undefined;
  if (!step) return '';
  const label = step === 'printed' ? t('paperRequests.markPrinted') : t(`paperRequests.markSent.${row.delivery}`);
  return html`<form method="post" action="/staff/paper-requests/${String(row.id)}/${step}" class="inline">
${csrfField(page.user)}
${hiddenField('filters', filterQuery(view.filters, view.page))}
<button type="submit" class="small">${label}<span class="visually-hidden"> ${row.certificateNumber}</span></button>
</form>`;
}

function table(page: PageContext, view: PaperRequestsView) {
  const { t } = page;
  if (view.items.length === 0) return html`<p>${t('paperRequests.none')}</p>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="paper-caption" tabindex="0">
<table class="paper-requests">
<caption id="paper-caption">${t('paperRequests.caption', { total: view.total })}</caption>
<thead><tr>
<th scope="col">${t('paperRequests.col.requested')}</th>
<th scope="col">${t('paperRequests.col.reference')}</th>
<th scope="col">${t('paperRequests.col.certificate')}</th>
<th scope="col">${t('paperRequests.col.holder')}</th>
<th scope="col">${t('paperRequests.col.delivery')}</th>
<th scope="col">${t('paperRequests.col.status')}</th>
<th scope="col">${t('paperRequests.col.action')}</th>
</tr></thead>
<tbody>
${view.items.map(
  (row) => html`<tr id="request-${String(row.id)}">
<td class="nowrap">${formatRigaDateTime(new Date(row.requestedAt))}</td>
<td class="code nowrap reference">${row.reference}</td>
<th scope="row" class="code">${row.certificateNumber}</th>
<td>${row.holderName}${row.representative ? html`<br><span class="muted">${t('paperRequests.byRepresentative')}</span>` : ''}</td>
<td>${t(`paperRequests.delivery.${row.delivery}`)}${row.delivery === 'post' ? html`<br>${address(row)}` : ''}</td>
<td>${statusText(page, row)}</td>
<td>${stepForm(page, view, row)}</td>
</tr>`,
)}
</tbody></table></div>`;
}

function pager(page: PageContext, view: PaperRequestsView) {
  const { t } = page;
  const pages = Math.max(1, Math.ceil(view.total / PAPER_REQUESTS_PER_PAGE));
  if (pages === 1) return '';
  const link = (n: number, label: string, rel: string) =>
    n >= 1 && n <= pages ? html`<a href="/staff/paper-requests?${filterQuery(view.filters, n)}" rel="${rel}">${label}</a>` : '';
  return html`<nav class="paper-pager" aria-label="${t('paperRequests.pages')}">
${link(view.page - 1, t('paperRequests.previous'), 'prev')} <span>${t('paperRequests.pageOf', { page: view.page, pages })}</span> ${link(view.page + 1, t('paperRequests.next'), 'next')}
</nav>`;
}

function postalListForm(page: PageContext, view: PaperRequestsView) {
  const { t } = page;
  return html`<section aria-labelledby="postal-title">
<h2 id="postal-title">${t('paperRequests.postal.title')}</h2>
<form method="post" action="/staff/paper-requests/postal-list" class="choose paper-filters">
${csrfField(page.user)}
${field(page, {
  name: 'date',
  id: POSTAL_DATE_ID,
  type: 'date',
  label: t('paperRequests.postal.date'),
  hint: t('paperRequests.postal.hint'),
  value: view.today,
  error: view.message?.tone === 'bad' && view.message.field === 'date' ? view.message.text : undefined,
  attributes: { required: true },
})}
<button type="submit">${t('paperRequests.postal.submit')}</button>
</form>
</section>`;
}

export function paperRequestsPage(page: PageContext, view: PaperRequestsView) {
  const { t } = page;
  return layout(
    page,
    t('paperRequests.title'),
    html`<h1>${t('paperRequests.title')}</h1>
<p class="lead">${t('paperRequests.intro')}</p>
${view.message?.tone === 'ok' ? html`<div class="notice success" role="status"><p>${view.message.text}</p></div>` : ''}
${view.message?.tone === 'bad' ? errorSummary(page, { errors: [{ ...(view.message.field === 'date' ? { field: POSTAL_DATE_ID } : {}), text: view.message.text }] }) : ''}
${filterForm(page, view.filters)}
${table(page, view)}
${pager(page, view)}
${postalListForm(page, view)}`,
    { error: view.message?.tone === 'bad' },
  );
}
