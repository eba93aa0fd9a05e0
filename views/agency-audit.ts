/**
 * Agency staff: "Audit trail" (/staff/agency/audit). The search form (person by personal code, certificate
 * number, actor, action, Latvian dates, only looks at someone's data), the newest entries found with who acted,
 * through which channel (student, school, e-service, verification, agency), on what, and the export of the whole
 * result through the report queue. Answers a person's question "who accessed my data" (GDPR article 15).
 */
import { html } from 'hono/html';
import type { AuditTrailRow } from '../src/data/audit-search.js';
import { accessChannel, ACCESS_ACTIONS } from '../src/domain/audit-trail.js';
import { formatPersonalCode } from '../src/domain/personal-code.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { agencyBackLink } from './agency-overview.js';
import { csrfField, errorFor, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

/** Entries shown on the page; the export holds every one found. */
export const AUDIT_PAGE_ROWS = 200;

/** The actions offered in the form: who looked at what first, then what changed. */
const ACTIONS = [
  ...ACCESS_ACTIONS,
  'certificate.search',
  'audit.search',
  'certificate.annul-request',
  'certificate.annul-confirm',
  'certificate.annul-reject',
  'certificate.annul',
  'certificates.issue',
  'certificates.seal',
  'scores.import',
  'staff.add',
  'staff.change',
  'staff.remove',
  'sign-in',
  'report.request',
  'report.download',
] as const;

export interface AuditView {
  /** The form as sent (text fields). */
  form: Record<string, string>;
  errors: FormError[];
  result?: { total: number; rows: AuditTrailRow[]; person?: { name: string; code: string } };
}

function searchForm(page: PageContext, view: AuditView) {
  const { t } = page;
  const form = view.form;
  return html`<form method="post" action="/staff/agency/audit" class="agency-form">
${csrfField(page.user)}
${field(page, {
  name: 'person',
  label: t('agency.audit.field.person'),
  hint: t('agency.audit.field.personHint'),
  value: form.person ?? '',
  error: errorFor(view.errors, 'person'),
  attributes: { autocomplete: 'off', inputmode: 'numeric' },
})}
${field(page, { name: 'certificate', label: t('agency.audit.field.certificate'), value: form.certificate ?? '', error: errorFor(view.errors, 'certificate'), attributes: { autocomplete: 'off' } })}
${field(page, {
  name: 'actor',
  label: t('agency.audit.field.actor'),
  hint: t('agency.audit.field.actorHint'),
  value: form.actor ?? '',
  error: errorFor(view.errors, 'actor'),
  attributes: { autocomplete: 'off' },
})}
${field(page, {
  control: 'select',
  name: 'action',
  label: t('agency.audit.field.action'),
  value: form.action ?? '',
  error: errorFor(view.errors, 'action'),
  options: [{ value: '', text: t('agency.audit.field.anyAction') }, ...ACTIONS.map((a) => ({ value: a, text: a }))],
})}
${field(page, {
  control: 'checkboxes',
  name: 'access',
  label: t('agency.audit.field.accessLegend'),
  value: form.access === 'yes' ? ['yes'] : [],
  items: [{ value: 'yes', label: t('agency.audit.field.access') }],
})}
${field(page, { name: 'from', type: 'date', label: t('agency.audit.field.from'), value: form.from ?? '', error: errorFor(view.errors, 'from') })}
${field(page, { name: 'to', type: 'date', label: t('agency.audit.field.to'), value: form.to ?? '', error: errorFor(view.errors, 'to') })}
<button type="submit">${t('agency.audit.search')}</button>
</form>`;
}

function who(page: PageContext, row: AuditTrailRow) {
  const { t } = page;
  const name = row.actorName
    ? html`${row.actorName} <span class="muted code">${row.actor}</span>`
    : row.actor === 'public'
      ? t('agency.audit.public')
      : html`<span class="code">${row.actor}</span>`;
  return row.representativeCode
    ? html`${name}<br><span class="muted">${t('agency.audit.representative', { code: formatPersonalCode(row.representativeCode) })}</span>`
    : name;
}

function exportForm(page: PageContext, view: AuditView) {
  const { t } = page;
  const keep = ['person', 'certificate', 'actor', 'action', 'access', 'from', 'to'].filter((name) => view.form[name]);
  return html`<form method="post" action="/staff/agency/audit/export" class="agency-form agency-export">
${csrfField(page.user)}
${keep.map((name) => hiddenField(name, view.form[name]!))}
${field(page, {
  control: 'radios',
  name: 'format',
  label: t('agency.audit.export.format'),
  value: 'xlsx',
  items: [
    { value: 'xlsx', label: 'XLSX' },
    { value: 'csv', label: 'CSV' },
  ],
})}
<button type="submit">${t('agency.audit.export.submit')}</button>
<p class="hint">${t('agency.audit.export.hint')}</p>
</form>`;
}

function results(page: PageContext, view: AuditView) {
  const { t } = page;
  const result = view.result;
  if (!result) return '';
  const heading = result.person
    ? t('agency.audit.result.person', { name: result.person.name, code: formatPersonalCode(result.person.code) })
    : t('agency.audit.result.title');
  return html`<section aria-labelledby="result-title">
<h2 id="result-title">${heading}</h2>
<p role="status">${t(result.total > result.rows.length ? 'agency.audit.result.countShown' : 'agency.audit.result.count', { total: result.total, shown: result.rows.length })}</p>
${
  result.rows.length === 0
    ? ''
    : html`<div class="table-scroll" role="region" aria-labelledby="audit-caption" tabindex="0">
<table class="agency-audit">
<caption id="audit-caption" class="visually-hidden">${heading}</caption>
<thead><tr>
<th scope="col">${t('agency.audit.col.at')}</th>
<th scope="col">${t('agency.audit.col.actor')}</th>
<th scope="col">${t('agency.audit.col.action')}</th>
<th scope="col">${t('agency.audit.col.channel')}</th>
<th scope="col">${t('agency.audit.col.subject')}</th>
<th scope="col">${t('agency.audit.col.details')}</th>
</tr></thead>
<tbody>
${result.rows.map(
  (row) => html`<tr>
<td class="nowrap">${formatRigaDateTime(new Date(row.at))}</td>
<td>${who(page, row)}</td>
<td class="code">${row.action}</td>
<td>${t(`agency.audit.channels.${accessChannel(row.channel)}`, { channel: row.channel })}</td>
<td class="code">${row.subject ?? ''}</td>
<td class="agency-details">${row.details ?? ''}</td>
</tr>`,
)}
</tbody></table></div>`
}
${result.total > 0 ? exportForm(page, view) : ''}
</section>`;
}

export function agencyAuditPage(page: PageContext, view: AuditView) {
  const { t } = page;
  return layout(
    page,
    t('agency.audit.title'),
    html`${agencyBackLink(page)}
<h1>${t('agency.audit.title')}</h1>
<p class="lead">${t('agency.audit.intro')}</p>
${errorSummary(page, { errors: view.errors })}
${searchForm(page, view)}
${results(page, view)}
<p class="hint">${t('agency.help', { email: page.contact.email, phone: page.contact.phone })}</p>`,
    { error: view.errors.length > 0 },
  );
}
