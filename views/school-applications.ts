/**
 * The school and university application pages (/staff/applications): the window's state, registering one person
 * (a school: a 9th grader for the basic exams, with the application it rests on; a university: an external
 * candidate with the exams and levels they chose and, if any, an international certificate), a class list upload,
 * the list of applicants (printable), and one application with its support measures, exemptions, international
 * certificates and history. The agency's late change (/staff/agency/applications) reuses the application's parts.
 */
import { html } from 'hono/html';
import type { ApplicationView, OfferedExamRow } from '../src/data/applications.js';
import type { ApplicantRow, ApplicationExtras } from '../src/data/school-applications.js';
import { CEFR_LEVELS, isForeignLanguageExam, type WindowState } from '../src/domain/applications.js';
import { APPLICATION_BASES, SUPPORT_MEASURES } from '../src/domain/school-applications.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { csrfField, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type Html, type PageContext } from './layout.js';

export const APPLICATIONS_PATH = '/staff/applications';

export interface WindowView {
  state: WindowState;
  opensAt?: Date;
  closesAt?: Date;
}

export interface ApplicationsView {
  university: boolean;
  institutionName: string;
  schoolYear: number;
  window: WindowView;
  offered: OfferedExamRow[];
  applicants: ApplicantRow[];
  /** Fresh idempotency key for each form on the page. */
  formKey: string;
  form?: Record<string, string | string[]>;
  errors: FormError[];
  /** What the last action did, already in the reader's language. */
  done?: string;
  /** A refused class list's problems, one per row and column, already in the reader's language. */
  fileProblems?: FileProblem[];
}

export interface FileProblem {
  /** As a spreadsheet program numbers it (the header is row 1); null for the whole file. */
  row: number | null;
  /** The column's heading as the file has it; empty when no one column is to blame. */
  column: string;
  reason: string;
}

function examLabel(page: PageContext, exam: { subjectLv: string; subjectEn: string; level: string | null; code: string }): string {
  const subject = page.lang === 'lv' ? exam.subjectLv : exam.subjectEn;
  return exam.level ? `${subject}, ${page.t(`applySchool.level.${exam.level}`)} (${exam.code})` : `${subject} (${exam.code})`;
}

function contactLine(page: PageContext): Html {
  const { contact } = page;
  return html`<p>${page.t('applySchool.contact', { email: contact.email, phone: contact.phone, hours: page.lang === 'lv' ? contact.hours.lv : contact.hours.en })}</p>`;
}

export function windowNotice(page: PageContext, window: WindowView): Html {
  const { t } = page;
  const at = (d: Date | undefined) => (d ? formatRigaDateTime(d) : '');
  switch (window.state) {
    case 'open':
      return html`<p class="notice">${t('applySchool.window.open', { closes: at(window.closesAt) })}</p>`;
    case 'before':
      return html`<p class="notice">${t('applySchool.window.before', { opens: at(window.opensAt) })}</p>`;
    case 'closed':
      return html`<div class="notice"><p>${t('applySchool.window.closed', { closed: at(window.closesAt) })}</p>${contactLine(page)}</div>`;
    case 'not-set':
      return html`<div class="notice"><p>${t('applySchool.window.notSet')}</p>${contactLine(page)}</div>`;
  }
}

const text = (form: ApplicationsView['form'], name: string) => {
  const value = form?.[name];
  return typeof value === 'string' ? value : '';
};
const list = (form: ApplicationsView['form'], name: string) => {
  const value = form?.[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
};
const err = (errors: readonly FormError[], id: string) => errors.find((e) => e.field === id)?.text;

function personFields(page: PageContext, view: ApplicationsView): Html {
  const { t } = page;
  return html`${field(page, {
    name: 'personal_code',
    label: t('applySchool.field.personalCode'),
    hint: t('applySchool.field.personalCodeHint'),
    value: text(view.form, 'personal_code'),
    error: err(view.errors, 'personal_code'),
    attributes: { autocomplete: 'off', inputmode: 'numeric' },
  })}
${field(page, { name: 'first_name', label: t('applySchool.field.firstName'), value: text(view.form, 'first_name'), error: err(view.errors, 'first_name'), attributes: { autocomplete: 'off' } })}
${field(page, { name: 'last_name', label: t('applySchool.field.lastName'), value: text(view.form, 'last_name'), error: err(view.errors, 'last_name'), attributes: { autocomplete: 'off' } })}`;
}

function schoolForms(page: PageContext, view: ApplicationsView, csrf: Html): Html {
  const { t } = page;
  const languages = view.offered.filter((e) => isForeignLanguageExam(e.code));
  return html`<section aria-labelledby="one-title">
<h2 id="one-title">${t('applySchool.one.title')}</h2>
<p>${t('applySchool.one.intro')}</p>
<form method="post" action="${APPLICATIONS_PATH}/register" novalidate>
${csrf}${hiddenField('key', view.formKey)}
${personFields(page, view)}
${field(page, { name: 'class_name', label: t('applySchool.field.className'), hint: t('applySchool.field.classNameHint'), value: text(view.form, 'class_name'), error: err(view.errors, 'class_name') })}
${field(page, {
  control: 'radios',
  name: 'foreign_language',
  label: t('applySchool.field.foreignLanguage'),
  hint: t('applySchool.field.foreignLanguageHint'),
  value: text(view.form, 'foreign_language'),
  error: err(view.errors, 'foreign_language'),
  items: languages.map((e) => ({ value: e.code, label: examLabel(page, e) })),
})}
${field(page, {
  control: 'radios',
  name: 'basis',
  label: t('applySchool.field.basis'),
  value: text(view.form, 'basis'),
  error: err(view.errors, 'basis'),
  items: APPLICATION_BASES.map((b) => ({ value: b, label: t(`applySchool.basis.${b}`) })),
})}
${field(page, { name: 'basis_date', type: 'date', label: t('applySchool.field.basisDate'), hint: t('applySchool.field.dateHint'), value: text(view.form, 'basis_date'), error: err(view.errors, 'basis_date') })}
<button type="submit">${t('applySchool.one.submit')}</button>
</form>
</section>
<section aria-labelledby="file-title">
<h2 id="file-title">${t('applySchool.file.title')}</h2>
<p>${t('applySchool.file.intro')}</p>
<p class="hint">${t('applySchool.file.columns')}</p>
<form method="post" action="${APPLICATIONS_PATH}/class-list" enctype="multipart/form-data">
${csrf}${hiddenField('key', view.formKey)}
${field(page, { name: 'file', type: 'file', label: t('applySchool.file.field'), hint: t('applySchool.file.hint'), error: err(view.errors, 'file'), attributes: { accept: '.csv,.xlsx' } })}
<button type="submit">${t('applySchool.file.submit')}</button>
</form>
${view.fileProblems && view.fileProblems.length > 0 ? fileProblemsTable(page, view.fileProblems) : ''}
</section>`;
}

/** Where each problem of a refused class list is, so the school can find the row and column in its own file. */
function fileProblemsTable(page: PageContext, problems: readonly FileProblem[]): Html {
  const { t } = page;
  return html`<h3 id="file-problems-title">${t('applySchool.file.problemsTitle')}</h3>
<div class="table-scroll" role="region" aria-labelledby="file-problems-title" tabindex="0"><table class="class-list-problems">
<thead><tr><th scope="col">${t('applySchool.file.col.row')}</th><th scope="col">${t('applySchool.file.col.column')}</th><th scope="col">${t('applySchool.file.col.problem')}</th></tr></thead>
<tbody>${problems.map((p) => html`<tr><td>${p.row === null ? '–' : String(p.row)}</td><td>${p.column || '–'}</td><td>${p.reason}</td></tr>`)}</tbody>
</table></div>`;
}

function universityForm(page: PageContext, view: ApplicationsView, csrf: Html): Html {
  const { t } = page;
  const languages = view.offered.filter((e) => isForeignLanguageExam(e.code));
  return html`<section aria-labelledby="external-title">
<h2 id="external-title">${t('applySchool.external.title')}</h2>
<p>${t('applySchool.external.intro')}</p>
<form method="post" action="${APPLICATIONS_PATH}/register" novalidate>
${csrf}${hiddenField('key', view.formKey)}
${personFields(page, view)}
${field(page, {
  control: 'checkboxes',
  name: 'exams',
  label: t('applySchool.field.exams'),
  hint: t('applySchool.field.examsHint'),
  value: list(view.form, 'exams'),
  error: err(view.errors, 'exams'),
  items: view.offered.map((e) => ({ value: e.code, label: examLabel(page, e) })),
})}
<fieldset class="group">
<legend>${t('applySchool.certificate.legend')}</legend>
<p class="hint">${t('applySchool.certificate.rule')}</p>
${certificateFields(page, view.form, view.errors, [{ value: '', text: t('applySchool.certificate.none') }, ...languages.map((e) => ({ value: e.code, text: examLabel(page, e) }))])}
</fieldset>
<button type="submit">${t('applySchool.external.submit')}</button>
</form>
</section>`;
}

function certificateFields(page: PageContext, form: ApplicationsView['form'], errors: readonly FormError[], exams?: { value: string; text: string }[]): Html {
  const { t } = page;
  return html`${exams ? field(page, { control: 'select', name: 'certificate_exam', label: t('applySchool.certificate.exam'), value: text(form, 'certificate_exam'), error: err(errors, 'certificate_exam'), options: exams }) : ''}
${field(page, { name: 'certificate_name', label: t('applySchool.certificate.name'), hint: t('applySchool.certificate.nameHint'), value: text(form, 'certificate_name'), error: err(errors, 'certificate_name') })}
${field(page, {
  control: 'select',
  name: 'certificate_level',
  label: t('applySchool.certificate.level'),
  value: text(form, 'certificate_level'),
  error: err(errors, 'certificate_level'),
  options: [{ value: '', text: t('applySchool.certificate.chooseLevel') }, ...CEFR_LEVELS.map((l) => ({ value: l, text: l }))],
})}
${field(page, { name: 'certificate_number', label: t('applySchool.certificate.number'), value: text(form, 'certificate_number'), error: err(errors, 'certificate_number') })}
${field(page, { name: 'certificate_valid_until', type: 'date', label: t('applySchool.certificate.validUntil'), hint: t('applySchool.certificate.validUntilHint'), value: text(form, 'certificate_valid_until'), error: err(errors, 'certificate_valid_until') })}`;
}

function applicantsTable(page: PageContext, view: ApplicationsView, print: boolean): Html {
  const { t } = page;
  if (view.applicants.length === 0) return html`<p>${t('applySchool.list.empty')}</p>`;
  return html`<div class="table-scroll" role="region" aria-labelledby="list-caption" tabindex="0"><table>
<caption id="list-caption">${t('applySchool.list.caption', { count: view.applicants.length })}</caption>
<thead><tr><th scope="col">${t('applySchool.col.name')}</th><th scope="col">${t('applySchool.col.personalCode')}</th><th scope="col">${t('applySchool.col.class')}</th><th scope="col">${t('applySchool.col.candidateCode')}</th><th scope="col">${t('applySchool.col.exams')}</th><th scope="col">${t('applySchool.col.status')}</th><th scope="col">${t('applySchool.col.submitted')}</th></tr></thead>
<tbody>
${view.applicants.map(
  (a) =>
    html`<tr><td>${print ? `${a.lastName} ${a.firstName}` : html`<a href="${APPLICATIONS_PATH}/${a.applicationId}">${a.lastName} ${a.firstName}</a>`}</td><td>${a.maskedPersonalCode}</td><td>${a.className ?? ''}</td><td>${a.candidateCode}</td><td>${a.examCodes.join(', ')}</td><td>${t(`applySchool.status.${a.status}`)}</td><td>${formatRigaDateTime(a.submittedAt)}</td></tr>`,
)}
</tbody></table></div>`;
}

export function applicationsPage(page: PageContext, view: ApplicationsView): Html {
  const { t } = page;
  const csrf = csrfField(page.user);
  const open = view.window.state === 'open';
  const main = html`<h1>${t(view.university ? 'applySchool.titleUniversity' : 'applySchool.title', { year: `${view.schoolYear}/${view.schoolYear + 1}` })}</h1>
<p>${view.institutionName}</p>
${errorSummary(page, { errors: view.errors })}
${view.done ? html`<div class="notice" role="status"><p>${view.done}</p></div>` : ''}
${windowNotice(page, view.window)}
${open ? (view.university ? universityForm(page, view, csrf) : schoolForms(page, view, csrf)) : ''}
<section aria-labelledby="list-title">
<h2 id="list-title">${t('applySchool.list.title')}</h2>
<p>${t('applySchool.list.intro')} <a href="${APPLICATIONS_PATH}?print=1">${t('applySchool.list.print')}</a></p>
${applicantsTable(page, view, false)}
</section>`;
  return layout(page, t(view.university ? 'applySchool.titleUniversity' : 'applySchool.title', { year: `${view.schoolYear}/${view.schoolYear + 1}` }), main, {
    error: view.errors.length > 0,
    wide: true,
  });
}

export function applicantsPrintPage(page: PageContext, view: ApplicationsView, now: Date): Html {
  const { t } = page;
  const title = t('applySchool.list.printTitle', { institution: view.institutionName, year: `${view.schoolYear}/${view.schoolYear + 1}` });
  return layout(
    page,
    title,
    html`<h1>${title}</h1><p>${t('applySchool.list.printedAt', { at: formatRigaDateTime(now) })}</p>${applicantsTable(page, view, true)}`,
    { wide: true },
  );
}

export interface ApplicationPageView {
  application: ApplicationView;
  extras: ApplicationExtras;
  /** Full name, as the register has it. */
  name: string;
  /** Whether the school may still change its exams (the window is open). */
  windowOpen: boolean;
  /** Whether support measures and exemptions may still be recorded (until 1 March). */
  extrasOpen: boolean;
  offered: OfferedExamRow[];
  formKey: string;
  form?: Record<string, string | string[]>;
  errors: FormError[];
  done?: string;
  /** The agency's late change: the form posts here and asks for a reason. */
  agency?: { action: string };
}

function examsForm(page: PageContext, view: ApplicationPageView, csrf: Html, action: string): Html {
  const { t } = page;
  const chosen = view.form ? list(view.form, 'exams') : view.application.lines.map((l) => l.code);
  return html`<form method="post" action="${action}" novalidate>
${csrf}${hiddenField('key', view.formKey)}
${field(page, {
  control: 'checkboxes',
  name: 'exams',
  label: t('applySchool.field.exams'),
  hint: t('applySchool.field.examsHint'),
  value: chosen,
  error: err(view.errors, 'exams'),
  items: view.offered.map((e) => ({ value: e.code, label: examLabel(page, e) })),
})}
${view.agency ? field(page, { name: 'reason', label: t('applySchool.late.reason'), hint: t('applySchool.late.reasonHint'), value: text(view.form, 'reason'), error: err(view.errors, 'reason') }) : ''}
<button type="submit">${t(view.agency ? 'applySchool.late.submit' : 'applySchool.application.saveExams')}</button>
</form>`;
}

export function historyList(page: PageContext, application: ApplicationView): Html {
  const { t } = page;
  return html`<h2>${t('applySchool.history.title')}</h2>
<ol class="history">
${application.changes.map(
  (c) =>
    html`<li>${formatRigaDateTime(c.at)}: ${t(`applySchool.history.action.${c.action}`)}, ${c.actor}${
      c.details && (c.details.added.length || c.details.removed.length || c.details.levels.length)
        ? html` (${[...c.details.added.map((x) => `+${x}`), ...c.details.removed.map((x) => `−${x}`), ...c.details.levels.map(([a, b]) => `${a} → ${b}`)].join(', ')})`
        : ''
    }${c.late ? html`. ${t('applySchool.history.late', { reason: c.reason ?? '' })}` : ''}</li>`,
)}
</ol>`;
}

export function applicationPage(page: PageContext, view: ApplicationPageView): Html {
  const { t } = page;
  const csrf = csrfField(page.user);
  const base = view.agency ? view.agency.action : `${APPLICATIONS_PATH}/${view.application.id}`;
  const { extras } = view;
  const lines = html`<div class="table-scroll" role="region" aria-labelledby="exams-caption" tabindex="0"><table>
<caption id="exams-caption">${t('applySchool.application.exams')}</caption>
<thead><tr><th scope="col">${t('applySchool.col.exam')}</th><th scope="col">${t('applySchool.col.day')}</th><th scope="col">${t('applySchool.col.exempted')}</th><th scope="col">${t('applySchool.col.certificate')}</th></tr></thead>
<tbody>${extras.lines.map(
    (l) =>
      html`<tr><td>${l.examCode}</td><td>${l.examDay ? formatDate(l.examDay) : ''}</td><td>${l.exemption ? t('applySchool.application.exemptedBy', { order: l.exemption.orderNumber, date: formatDate(l.exemption.orderDate) }) : ''}</td><td>${l.certificate ? `${l.certificate.name} ${l.certificate.cefrLevel} ${l.certificate.number}` : ''}</td></tr>`,
  )}</tbody></table></div>`;
  const languageLines = extras.lines.filter((l) => isForeignLanguageExam(l.examCode));
  const extrasForms = view.agency
    ? ''
    : html`<section aria-labelledby="support-title"><h2 id="support-title">${t('applySchool.support.title')}</h2>
${
  view.extrasOpen
    ? html`<form method="post" action="${base}/support" novalidate>${csrf}
${field(page, {
  control: 'checkboxes',
  name: 'measures',
  label: t('applySchool.support.legend'),
  hint: t('applySchool.support.hint'),
  value: view.form ? list(view.form, 'measures') : extras.support.measures,
  error: err(view.errors, 'measures'),
  items: SUPPORT_MEASURES.map((m) => ({ value: m, label: t(`applySchool.support.measure.${m}`) })),
})}
${field(page, { name: 'note', label: t('applySchool.support.note'), value: view.form ? text(view.form, 'note') : extras.support.note, error: err(view.errors, 'note') })}
<button type="submit">${t('applySchool.support.submit')}</button></form>`
    : html`<p>${t('applySchool.deadlinePassed')}</p>${contactLine(page)}`
}</section>
<section aria-labelledby="exemption-title"><h2 id="exemption-title">${t('applySchool.exemption.title')}</h2>
<p>${t('applySchool.exemption.intro')}</p>
${
  view.extrasOpen
    ? html`<form method="post" action="${base}/exemption" novalidate>${csrf}
${field(page, { control: 'select', name: 'line', label: t('applySchool.exemption.exam'), value: text(view.form, 'line'), error: err(view.errors, 'line'), options: extras.lines.map((l) => ({ value: String(l.lineId), text: l.examCode })) })}
${field(page, { name: 'order_number', label: t('applySchool.exemption.orderNumber'), value: text(view.form, 'order_number'), error: err(view.errors, 'order_number') })}
${field(page, { name: 'order_date', type: 'date', label: t('applySchool.exemption.orderDate'), hint: t('applySchool.field.dateHint'), value: text(view.form, 'order_date'), error: err(view.errors, 'order_date') })}
${field(page, { name: 'specialist_statement', label: t('applySchool.exemption.statement'), hint: t('applySchool.exemption.statementHint'), value: text(view.form, 'specialist_statement'), error: err(view.errors, 'specialist_statement') })}
<button type="submit">${t('applySchool.exemption.submit')}</button></form>`
    : html`<p>${t('applySchool.deadlinePassed')}</p>${contactLine(page)}`
}</section>
${
  languageLines.length > 0
    ? html`<section aria-labelledby="certificate-title"><h2 id="certificate-title">${t('applySchool.certificate.title')}</h2>
<p>${t('applySchool.certificate.rule')}</p>
<form method="post" action="${base}/certificate" novalidate>${csrf}
${field(page, { control: 'select', name: 'line', id: 'certificate_line', label: t('applySchool.certificate.exam'), value: text(view.form, 'line'), error: err(view.errors, 'certificate_line'), options: languageLines.map((l) => ({ value: String(l.lineId), text: l.examCode })) })}
${certificateFields(page, view.form, view.errors)}
<button type="submit">${t('applySchool.certificate.submit')}</button></form></section>`
    : ''
}`;
  const title = t('applySchool.application.title', { name: view.name });
  const main = html`<p><a href="${view.agency ? '/staff/agency/applications' : APPLICATIONS_PATH}">${t('applySchool.application.back')}</a></p>
<h1>${title}</h1>
${errorSummary(page, { errors: view.errors })}
${view.done ? html`<div class="notice" role="status"><p>${view.done}</p></div>` : ''}
<p>${t('applySchool.application.summary', { code: view.application.candidateCode, status: t(`applySchool.status.${view.application.status}`), submitted: formatRigaDateTime(view.application.submittedAt) })}</p>
${lines}
${
  view.agency
    ? html`<section aria-labelledby="late-title"><h2 id="late-title">${t('applySchool.late.title')}</h2><p>${t('applySchool.late.intro')}</p>${examsForm(page, view, csrf, base)}</section>`
    : view.windowOpen && view.application.group !== 'basic'
      ? html`<section aria-labelledby="correct-title"><h2 id="correct-title">${t('applySchool.application.correct')}</h2>${examsForm(page, view, csrf, `${base}/exams`)}</section>`
      : ''
}
${extrasForms}
${historyList(page, view.application)}`;
  return layout(page, title, main, { error: view.errors.length > 0 });
}

export interface AgencyApplicationsView {
  search: string;
  found?: { id: number; name: string; candidateCode: string; institutionName: string }[];
  errors: FormError[];
}

export function agencyApplicationsPage(page: PageContext, view: AgencyApplicationsView): Html {
  const { t } = page;
  const title = t('applySchool.agency.title');
  const main = html`<h1>${title}</h1>
<p>${t('applySchool.agency.intro')}</p>
${errorSummary(page, { errors: view.errors })}
<form method="get" action="/staff/agency/applications" novalidate>
${field(page, { name: 'code', label: t('applySchool.agency.code'), hint: t('applySchool.agency.codeHint'), value: view.search, error: err(view.errors, 'code'), attributes: { inputmode: 'numeric', autocomplete: 'off' } })}
<button type="submit">${t('applySchool.agency.find')}</button>
</form>
${
  view.found
    ? view.found.length === 0
      ? html`<p role="status">${t('applySchool.agency.none')}</p>`
      : html`<ul>${view.found.map((f) => html`<li><a href="/staff/agency/applications/${f.id}">${f.name}, ${f.candidateCode}, ${f.institutionName}</a></li>`)}</ul>`
    : ''
}`;
  return layout(page, title, main, { error: view.errors.length > 0 });
}
