/**
 * Agency administrators: "Staff and roles" (/staff/agency/staff): who may sign in to the staff pages and with
 * which role (a school's superuser, agency staff, agency administrator); a form to add someone; and a page per
 * person to change their name, role and school or to remove them (which ends their sign-ins at once).
 */
import { html } from 'hono/html';
import type { StaffListing } from '../src/data/staff.js';
import { STAFF_ROLES, type StaffRole } from '../src/domain/staff-roles.js';
import { formatPersonalCode } from '../src/domain/personal-code.js';
import { agencyBackLink } from './agency-overview.js';
import { csrfField, errorFor, errorSummary, field, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface StaffForm {
  personalCode: string;
  name: string;
  role: StaffRole | undefined;
  institution: string;
}

export interface AgencyStaffView {
  staff: StaffListing[];
  /** The signed-in administrator's user id (they cannot change themselves). */
  self: number;
  form?: StaffForm;
  errors: FormError[];
  done?: 'added' | 'changed' | 'removed';
}

function roleFields(page: PageContext, form: Partial<StaffForm>, errors: FormError[]) {
  const { t } = page;
  return html`${field(page, {
    control: 'radios',
    name: 'role',
    label: t('agency.staff.field.role'),
    value: form.role,
    error: errorFor(errors, 'role'),
    items: STAFF_ROLES.map((role) => ({ value: role, label: t(`agency.roles.${role}.name`), hint: t(`agency.roles.${role}.hint`) })),
  })}
${field(page, {
  name: 'institution',
  label: t('agency.staff.field.institution'),
  hint: t('agency.staff.field.institutionHint'),
  value: form.institution ?? '',
  error: errorFor(errors, 'institution'),
  attributes: { inputmode: 'numeric', autocomplete: 'off' },
})}`;
}

function staffTable(page: PageContext, view: AgencyStaffView) {
  const { t } = page;
  return html`<div class="table-scroll" role="region" aria-labelledby="staff-caption" tabindex="0">
<table class="agency-staff">
<caption id="staff-caption">${t('agency.staff.caption', { count: view.staff.length })}</caption>
<thead><tr>
<th scope="col">${t('agency.staff.col.name')}</th>
<th scope="col">${t('agency.staff.col.personalCode')}</th>
<th scope="col">${t('agency.staff.col.role')}</th>
<th scope="col">${t('agency.staff.col.institution')}</th>
<th scope="col">${t('agency.staff.col.action')}</th>
</tr></thead>
<tbody>
${view.staff.map(
  (s) => html`<tr>
<th scope="row">${s.displayName}</th>
<td class="code nowrap">${formatPersonalCode(s.personalCode)}</td>
<td>${t(`agency.roles.${s.role}.name`)}</td>
<td>${s.institutionName ? html`${s.institutionName} <span class="muted code">${s.institution}</span>` : ''}</td>
<td>${s.userId === view.self ? html`<span class="muted">${t('agency.staff.you')}</span>` : html`<a href="/staff/agency/staff/${String(s.userId)}">${t('agency.staff.change')}<span class="visually-hidden"> ${s.displayName}</span></a>`}</td>
</tr>`,
)}
</tbody></table></div>`;
}

function addForm(page: PageContext, view: AgencyStaffView) {
  const { t } = page;
  const form: Partial<StaffForm> = view.form ?? {};
  return html`<section aria-labelledby="add-title">
<h2 id="add-title">${t('agency.staff.add.title')}</h2>
<p>${t('agency.staff.add.intro')}</p>
<form method="post" action="/staff/agency/staff" class="agency-form">
${csrfField(page.user)}
${field(page, {
  name: 'personal_code',
  label: t('agency.staff.field.personalCode'),
  hint: t('agency.staff.field.personalCodeHint'),
  value: form.personalCode ?? '',
  error: errorFor(view.errors, 'personal_code'),
  attributes: { autocomplete: 'off', inputmode: 'numeric' },
})}
${field(page, { name: 'name', label: t('agency.staff.field.name'), value: form.name ?? '', error: errorFor(view.errors, 'name'), attributes: { autocomplete: 'off' } })}
${roleFields(page, form, view.errors)}
<button type="submit">${t('agency.staff.add.submit')}</button>
</form>
</section>`;
}

export function agencyStaffPage(page: PageContext, view: AgencyStaffView) {
  const { t } = page;
  return layout(
    page,
    t('agency.staff.title'),
    html`${agencyBackLink(page)}
<h1>${t('agency.staff.title')}</h1>
<p class="lead">${t('agency.staff.intro')}</p>
${errorSummary(page, { errors: view.errors })}
${view.done ? html`<div class="notice success" role="status"><p>${t(`agency.staff.done.${view.done}`)}</p></div>` : ''}
${staffTable(page, view)}
${addForm(page, view)}`,
    { error: view.errors.length > 0 },
  );
}

export interface AgencyStaffEditView {
  listing: StaffListing;
  self: boolean;
  form?: StaffForm;
  errors: FormError[];
}

export function agencyStaffEditPage(page: PageContext, view: AgencyStaffEditView) {
  const { t } = page;
  const { listing } = view;
  const form = view.form ?? { personalCode: listing.personalCode, name: listing.displayName, role: listing.role, institution: listing.institution ?? '' };
  return layout(
    page,
    t('agency.staff.edit.title', { name: listing.displayName }),
    html`${agencyBackLink(page)}
<p><a href="/staff/agency/staff">${t('agency.staff.edit.back')}</a></p>
<h1>${t('agency.staff.edit.title', { name: listing.displayName })}</h1>
<p>${t('agency.staff.col.personalCode')}: <span class="code">${formatPersonalCode(listing.personalCode)}</span></p>
${errorSummary(page, { errors: view.errors })}
<form method="post" action="/staff/agency/staff/${String(listing.userId)}" class="agency-form">
${csrfField(page.user)}
${field(page, { name: 'name', label: t('agency.staff.field.name'), value: form.name, error: errorFor(view.errors, 'name'), attributes: { autocomplete: 'off' } })}
${roleFields(page, form, view.errors)}
<button type="submit">${t('agency.staff.edit.submit')}</button>
</form>
<section aria-labelledby="remove-title">
<h2 id="remove-title">${t('agency.staff.remove.title')}</h2>
<p>${t('agency.staff.remove.intro')}</p>
<form method="post" action="/staff/agency/staff/${String(listing.userId)}/remove">
${csrfField(page.user)}
<button type="submit">${t('agency.staff.remove.submit', { name: listing.displayName })}</button>
</form>
</section>`,
    { error: view.errors.length > 0 },
  );
}
