/**
 * The application pages: a student's own application for the exams (`/apply`: the window and what to do next,
 * choosing exams and levels, review, confirmation with history and the statement of entry, withdrawal, the PDF
 * receipt), and the agency's windows page (`/staff/agency/applications/windows`).
 */
import { html } from 'hono/html';
import type { ApplicationView, OfferedExamRow, StoredWindow } from '../src/data/applications.js';
import { sameDayExams, type ApplicationWindow, type WindowState } from '../src/domain/applications.js';
import { renderPlainPdf, type PlainBlock } from '../src/certificate/pdf.js';
import { schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { csrfField, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface SubjectChoice {
  subject: string;
  exams: OfferedExamRow[];
}

type ExamNaming = { code: string; level: string | null; subjectLv: string; subjectEn: string };

function examName(page: PageContext, exam: ExamNaming): string {
  const subject = page.lang === 'lv' ? exam.subjectLv : exam.subjectEn;
  const level = exam.level ? page.t(`apply.level.${exam.level}`) : page.t('apply.level.basic');
  return `${subject.charAt(0).toUpperCase()}${subject.slice(1)} (${level}, ${exam.code})`;
}

function contact(page: PageContext) {
  const { t, contact: c, lang } = page;
  return html`<p class="hint">${t('apply.contact', { email: c.email, phone: c.phone, hours: c.hours[lang] })}</p>`;
}

function windowText(page: PageContext, window: ApplicationWindow) {
  return page.t('apply.window.period', { opens: formatRigaDateTime(window.opensAt), closes: formatRigaDateTime(window.closesAt) });
}

/** What the window means now and what to do, for any state. */
function windowNotice(page: PageContext, state: WindowState, window: ApplicationWindow | undefined) {
  const { t } = page;
  switch (state) {
    case 'not-set':
      return html`<div class="notice"><p>${t('apply.window.notSet')}</p>${contact(page)}</div>`;
    case 'before':
      return html`<div class="notice"><p><strong>${t('apply.window.before', { opens: formatRigaDateTime(window!.opensAt) })}</strong></p><p>${windowText(page, window!)}</p></div>`;
    case 'open':
      return html`<div class="notice"><p>${t('apply.window.open', { closes: formatRigaDateTime(window!.closesAt) })}</p></div>`;
    case 'closed':
      return html`<div class="notice warning"><p><strong>${t('apply.window.closedNow', { closes: formatRigaDateTime(window!.closesAt) })}</strong></p><p>${t('apply.window.closedNext')}</p>${contact(page)}</div>`;
  }
}

export interface ApplyHomeView {
  schoolYear: number;
  window: { window: ApplicationWindow | undefined; state: WindowState };
  enrolment: { institutionName: string; className: string | null; candidateCode: string } | undefined;
  secondary: boolean;
  applications: ApplicationView[];
  own: ApplicationView | undefined;
  /** A refusal to show (a message key under apply.). */
  refused?: string;
}

export function applyHomePage(page: PageContext, view: ApplyHomeView) {
  const { t } = page;
  const year = schoolYearName(view.schoolYear);
  const own = view.own && view.own.status !== 'withdrawn' ? view.own : undefined;
  let next;
  if (!view.enrolment) {
    next = html`<div class="notice"><p>${t('apply.notEnrolled', { year })}</p>${contact(page)}</div>`;
  } else if (!view.secondary) {
    next = html`<div class="notice"><p>${t('apply.basicBySchool', { school: view.enrolment.institutionName })}</p></div>`;
  } else if (view.window.state === 'open') {
    next = own
      ? html`<p><a class="button" href="/apply/choose">${t('apply.home.change')}</a></p>`
      : html`<p>${t('apply.home.start', { school: view.enrolment.institutionName })}</p><p><a class="button" href="/apply/choose">${t('apply.home.apply')}</a></p>`;
  } else {
    next = '';
  }
  return layout(
    page,
    t('apply.title'),
    html`<h1>${t('apply.title')} <span class="nowrap">${year}</span></h1>
${view.refused?.startsWith('apply.') ? html`<div class="error-summary" role="alert" tabindex="-1"><p>${t(view.refused)}</p></div>` : ''}
${windowNotice(page, view.window.state, view.window.window)}
${view.applications.length > 0 ? html`<h2>${t('apply.home.yours')}</h2><ul class="application-list">${view.applications.map((a) => html`<li><a href="/apply/applications/${a.id}">${t('apply.home.item', { school: a.institutionName, status: t(`apply.status.${a.status}`) })}</a></li>`)}</ul>` : ''}
${next}`,
  );
}

export interface ChooseView {
  schoolYear: number;
  window: ApplicationWindow;
  institutionName: string;
  subjects: SubjectChoice[];
  chosen: string[];
  errors: FormError[];
  changing: boolean;
}

export function choosePage(page: PageContext, view: ChooseView) {
  const { t } = page;
  const fields = view.subjects.map((subject, index) => {
    const chosen = subject.exams.find((e) => view.chosen.includes(e.code))?.code ?? 'none';
    const first = subject.exams[0]!;
    const name = page.lang === 'lv' ? first.subjectLv : first.subjectEn;
    return field(page, {
      control: 'radios',
      name: `subject-${subject.subject}`,
      id: index === 0 ? 'subject-first' : `subject-${subject.subject}`,
      label: `${name.charAt(0).toUpperCase()}${name.slice(1)}`,
      value: chosen,
      error: view.errors.find((e) => e.field === `subject-${subject.subject}`)?.text,
      items: [
        { value: 'none', label: t('apply.choose.none') },
        ...subject.exams.map((exam) => ({
          value: exam.code,
          label: exam.level
            ? t(`apply.level.${exam.level}`) + (exam.subjectLv !== first.subjectLv ? ` · ${page.lang === 'lv' ? exam.subjectLv : exam.subjectEn}` : '')
            : t('apply.choose.take'),
          hint: t('apply.choose.when', { date: formatDate(exam.startsOn), time: exam.startTime, code: exam.code }),
        })),
      ],
    });
  });
  // The error summary's links must land on a field: the first subject's field also takes errors of the whole choice.
  const errors = view.errors.map((e) => (view.subjects.some((s) => `subject-${s.subject}` === e.field) || e.field === 'subject-first' ? e : { text: e.text }));
  return layout(
    page,
    t('apply.choose.title'),
    html`<h1>${t('apply.choose.title')}</h1>
${errorSummary(page, { errors })}
<p>${t('apply.choose.intro', { year: schoolYearName(view.schoolYear), school: view.institutionName })}</p>
<p class="hint">${windowText(page, view.window)}</p>
<form method="post" action="/apply/choose" class="apply-form" novalidate>
${csrfField(page.user)}
${fields}
<button type="submit">${t('apply.choose.continue')}</button>
</form>
<p><a href="/apply">${t('apply.back')}</a></p>`,
    { error: view.errors.length > 0 },
  );
}

export interface ReviewView {
  schoolYear: number;
  institutionName: string;
  lines: OfferedExamRow[];
  idempotencyKey: string;
  changing: boolean;
}

function examTable(page: PageContext, lines: readonly (ExamNaming & { startsOn: string | null; startTime: string | null })[], caption: string) {
  const { t } = page;
  const clashes = sameDayExams(lines.filter((l): l is typeof l & { startsOn: string } => l.startsOn !== null));
  // Two columns that wrap: a student reads their exams on a phone without scrolling sideways.
  return html`<table class="apply-table">
<caption>${caption}</caption>
<thead><tr><th scope="col">${t('apply.table.exam')}</th><th scope="col">${t('apply.table.when')}</th></tr></thead>
<tbody>${lines.map(
    (l) =>
      html`<tr><td>${examName(page, l)}</td><td>${l.startsOn ? `${formatDate(l.startsOn)} ${l.startTime ?? ''}` : '—'}${l.startsOn && clashes.has(l.startsOn) ? html` <strong class="clash">${t('apply.sameDay')}</strong>` : ''}</td></tr>`,
  )}</tbody>
</table>${clashes.size > 0 ? html`<div class="notice warning" role="note"><p>${t('apply.sameDayWarning', { days: [...clashes].map(formatDate).join(', ') })}</p>${contact(page)}</div>` : ''}`;
}

export function reviewPage(page: PageContext, view: ReviewView) {
  const { t } = page;
  return layout(
    page,
    t('apply.review.title'),
    html`<h1>${t('apply.review.title')}</h1>
<p>${t('apply.review.intro', { year: schoolYearName(view.schoolYear), school: view.institutionName })}</p>
${examTable(page, view.lines, t('apply.review.caption'))}
<form method="post" action="/apply/submit" class="apply-form">
${csrfField(page.user)}
${hiddenField('idempotency_key', view.idempotencyKey)}
${hiddenField('exams', view.lines.map((l) => l.code).join(','))}
<button type="submit">${view.changing ? t('apply.review.saveChange') : t('apply.review.submit')}</button>
</form>
<p><a href="/apply/choose">${t('apply.review.edit')}</a></p>`,
  );
}

export interface StudentApplicationView {
  application: ApplicationView;
  window: { window: ApplicationWindow | undefined; state: WindowState };
  canChange: boolean;
  done?: 'submitted' | 'changed' | 'withdrawn';
}

function changeText(page: PageContext, change: ApplicationView['changes'][number]): string {
  const { t } = page;
  const parts: string[] = [t(`apply.history.action.${change.action}`)];
  if (change.details) {
    if (change.details.added.length > 0) parts.push(t('apply.history.added', { exams: change.details.added.join(', ') }));
    if (change.details.removed.length > 0) parts.push(t('apply.history.removed', { exams: change.details.removed.join(', ') }));
    for (const [from, to] of change.details.levels) parts.push(t('apply.history.level', { from, to }));
  }
  if (change.reason) parts.push(t('apply.history.reason', { reason: change.reason }));
  return parts.join(' ');
}

export function studentApplicationPage(page: PageContext, view: StudentApplicationView) {
  const { t } = page;
  const a = view.application;
  const done = view.done
    ? html`<div class="notice success" role="status"><h2>${t(`apply.done.${view.done}`)}</h2><p>${t('apply.done.when', { at: formatRigaDateTime(a.changedAt) })}</p></div>`
    : '';
  const status = html`<dl class="facts">
<dt>${t('apply.application.status')}</dt><dd><strong>${t(`apply.status.${a.status}`)}</strong> — ${t(`apply.statusNext.${a.status}`)}</dd>
<dt>${t('apply.application.school')}</dt><dd>${a.institutionName}</dd>
<dt>${t('apply.application.candidateCode')}</dt><dd>${a.candidateCode}</dd>
<dt>${t('apply.application.submitted')}</dt><dd>${formatRigaDateTime(a.submittedAt)}</dd>
<dt>${t('apply.application.changed')}</dt><dd>${formatRigaDateTime(a.changedAt)}</dd>
</dl>`;
  const exams =
    a.lines.length === 0
      ? html`<p>${t('apply.application.noExams')}</p>`
      : examTable(page, a.lines, a.status === 'registered' ? t('apply.statement.caption') : t('apply.application.caption'));
  const actions = view.canChange
    ? html`<ul class="actions">
<li><a class="button" href="/apply/choose">${a.status === 'withdrawn' ? t('apply.home.apply') : t('apply.application.change')}</a></li>
${a.status !== 'withdrawn' ? html`<li><a href="/apply/applications/${a.id}/withdraw">${t('apply.application.withdraw')}</a></li>` : ''}
</ul>`
    : view.window.state === 'closed'
      ? html`<div class="notice"><p>${t('apply.window.closedNow', { closes: formatRigaDateTime(view.window.window!.closesAt) })}</p><p>${t('apply.window.closedNext')}</p>${contact(page)}</div>`
      : '';
  return layout(
    page,
    t('apply.application.title'),
    html`<h1>${t('apply.application.title')} <span class="nowrap">${schoolYearName(a.schoolYear)}</span></h1>
${done}
${status}
<h2>${a.status === 'registered' ? t('apply.statement.title') : t('apply.application.exams')}</h2>
${a.status === 'registered' ? html`<p>${t('apply.statement.intro')}</p>` : ''}
${exams}
<p><a href="/apply/applications/${a.id}/receipt.pdf" download>${t('apply.application.receipt')}</a> <span class="hint">(PDF)</span></p>
${actions}
<h2>${t('apply.history.title')}</h2>
<ol class="history">${a.changes.map((change) => html`<li><span class="nowrap">${formatRigaDateTime(change.at)}</span> · ${change.actor} (${t(`apply.history.kind.${change.actorKind}`)}): ${changeText(page, change)}</li>`)}</ol>
<p><a href="/apply">${t('apply.back')}</a></p>`,
  );
}

export function withdrawPage(page: PageContext, view: { application: ApplicationView; idempotencyKey: string }) {
  const { t } = page;
  return layout(
    page,
    t('apply.withdraw.title'),
    html`<h1>${t('apply.withdraw.title')}</h1>
<p>${t('apply.withdraw.intro', { exams: view.application.lines.map((l) => l.code).join(', ') || '—' })}</p>
<p>${t('apply.withdraw.again')}</p>
<form method="post" action="/apply/applications/${view.application.id}/withdraw">
${csrfField(page.user)}
${hiddenField('idempotency_key', view.idempotencyKey)}
<button type="submit" class="warning">${t('apply.withdraw.confirm')}</button>
</form>
<p><a href="/apply/applications/${view.application.id}">${t('apply.withdraw.cancel')}</a></p>`,
  );
}

/** The receipt: what was submitted, when, for whom, with the history; in the reader's language. */
export function applicationReceiptPdf(page: PageContext, a: ApplicationView, person: { name: string; maskedCode: string }): Uint8Array {
  const { t } = page;
  const blocks: PlainBlock[] = [
    { text: t('apply.receipt.agency'), bold: true, size: 11 },
    { text: t('apply.receipt.title', { year: schoolYearName(a.schoolYear) }), heading: true, gap: 24 },
    { text: t('apply.receipt.person', { name: person.name, code: person.maskedCode }), gap: 18 },
    { text: t('apply.receipt.school', { school: a.institutionName, code: a.candidateCode }) },
    { text: t('apply.receipt.status', { status: t(`apply.status.${a.status}`) }) },
    { text: t('apply.receipt.submitted', { at: formatRigaDateTime(a.submittedAt), changed: formatRigaDateTime(a.changedAt) }) },
    { text: t('apply.application.exams'), bold: true, gap: 18, size: 12 },
    ...(a.lines.length === 0
      ? [{ text: t('apply.application.noExams') }]
      : a.lines.map((l) => ({ text: `${examName(page, l)} — ${l.startsOn ? `${formatDate(l.startsOn)} ${l.startTime ?? ''}` : ''}`, gap: 6 }))),
    { text: t('apply.history.title'), bold: true, gap: 18, size: 12 },
    ...a.changes.map((c) => ({ text: `${formatRigaDateTime(c.at)} · ${c.actor}: ${changeText(page, c)}`, gap: 6, size: 9.5 })),
    { text: t('apply.receipt.note'), gap: 18, size: 9 },
  ];
  return renderPlainPdf(t('apply.receipt.title', { year: schoolYearName(a.schoolYear) }), blocks);
}

// ---- The agency's windows ----

export interface AgencyWindowsView {
  year: number;
  years: number[];
  windows: StoredWindow[];
  /** The form's values by group, datetime-local text in Latvian time. */
  values: Record<string, { opens: string; closes: string }>;
  errors: FormError[];
  message?: string;
  now: Date;
}

export function agencyWindowsPage(page: PageContext, view: AgencyWindowsView) {
  const { t } = page;
  const groups = ['secondary', 'basic', 'external'] as const;
  const rows = groups.map((group) => {
    const stored = view.windows.find((w) => w.examGroup === group);
    return html`<form method="post" action="/staff/agency/applications/windows" class="window-form">
<fieldset><legend>${t(`apply.group.${group}`)}</legend>
${stored ? html`<p class="hint">${t('apply.windows.current', { period: windowText(page, stored), by: stored.updatedBy, at: formatRigaDateTime(stored.updatedAt) })}</p>` : html`<p class="hint">${t('apply.windows.none')}</p>`}
${csrfField(page.user)}
${hiddenField('year', String(view.year))}
${hiddenField('group', group)}
${field(page, { name: 'opens', id: `opens-${group}`, type: 'datetime-local', label: t('apply.windows.opens'), value: view.values[group]?.opens ?? '', error: view.errors.find((e) => e.field === `opens-${group}`)?.text })}
${field(page, { name: 'closes', id: `closes-${group}`, type: 'datetime-local', label: t('apply.windows.closes'), hint: t('apply.windows.closesHint'), value: view.values[group]?.closes ?? '', error: view.errors.find((e) => e.field === `closes-${group}`)?.text })}
<button type="submit">${t('apply.windows.save')}</button>
</fieldset>
</form>`;
  });
  return layout(
    page,
    t('apply.windows.title'),
    html`<h1>${t('apply.windows.title')} <span class="nowrap">${schoolYearName(view.year)}</span></h1>
${errorSummary(page, { errors: view.errors })}
${view.message ? html`<div class="notice success" role="status"><p>${view.message}</p></div>` : ''}
<p>${t('apply.windows.intro')}</p>
<form method="get" action="/staff/agency/applications/windows" class="choose">
${field(page, { control: 'select', name: 'year', label: t('apply.windows.year'), value: String(view.year), options: view.years.map((y) => ({ value: String(y), text: schoolYearName(y) })) })}
<button type="submit">${t('apply.windows.show')}</button>
</form>
${rows}`,
    { error: view.errors.length > 0 },
  );
}
