/**
 * Agency staff: "Exams and calendar" (`/staff/agency/exams`): one school year's exam catalogue with its parts and
 * sittings, its release moments (Latvian time), copying the catalogue into the next year, and one exam's page
 * (`/staff/agency/exams/:id`): its parts, maxima, weights and weighted-points rule, and its sittings. A change
 * that touches results already entered or seen is shown back for confirmation, saying what it affects.
 */
import { html } from 'hono/html';
import type { CatalogueExamRow, PartsChangeImpact, ReleaseChangeImpact } from '../src/data/catalogue.js';
import { weightText, type PartInputRow } from '../src/domain/part-input.js';
import { schoolYearName } from '../src/domain/release.js';
import { formatDate, formatRigaDateTime } from '../src/domain/riga-time.js';
import { contactLine, agencyNav } from './agency-nav.js';
import { csrfField, errorSummary, field, hiddenField, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface AgencyExamsView {
  years: number[];
  year: number;
  exams: CatalogueExamRow[];
  /** The release form's values, as datetime-local text in Latvian time. */
  release: { basic: string; secondary: string };
  errors: FormError[];
  /** What just happened, already translated. */
  message?: string;
  /** Moving a release moment that has passed: what it affects, and the values to confirm. */
  confirmRelease?: ReleaseChangeImpact[];
}

function examTitle(page: PageContext, exam: Pick<CatalogueExamRow, 'code' | 'subject_lv' | 'subject_en' | 'level' | 'education'>) {
  const { t, lang } = page;
  const subject = lang === 'lv' ? exam.subject_lv : exam.subject_en;
  const level = exam.level ? t(`agencyExams.level.${exam.level}`) : t('agencyExams.level.basic');
  return `${exam.code} · ${subject} (${level})`;
}

function partsSummary(page: PageContext, exam: CatalogueExamRow) {
  if (exam.parts.length === 0) return html`<strong>${page.t('agencyExams.exams.noParts')}</strong>`;
  return exam.parts
    .map((p) => `${p.max_points}${p.weight_numerator === p.weight_denominator ? '' : ` × ${weightText(p.weight_numerator, p.weight_denominator)}`}`)
    .join(' + ');
}

function sessionsSummary(page: PageContext, exam: CatalogueExamRow) {
  return exam.sessions.map(
    (s) =>
      html`<span class="nowrap">${page.t(`agencyExams.term.${s.term}`)}: ${formatDate(s.startsOn)}${s.endsOn === s.startsOn ? '' : `–${formatDate(s.endsOn)}`}</span><br>`,
  );
}

function yearChooser(page: PageContext, view: AgencyExamsView) {
  const { t } = page;
  return html`<form method="get" action="/staff/agency/exams" class="choose">
${field(page, {
  control: 'select',
  name: 'year',
  label: t('agencyExams.exams.year'),
  value: String(view.year),
  options: view.years.map((y) => ({ value: String(y), text: schoolYearName(y) })),
})}
<button type="submit">${t('agencyExams.exams.show')}</button>
</form>`;
}

function releaseForm(page: PageContext, view: AgencyExamsView) {
  const { t } = page;
  const confirming = view.confirmRelease && view.confirmRelease.length > 0;
  return html`<section aria-labelledby="release-title">
<h2 id="release-title">${t('agencyExams.release.title')}</h2>
${
  confirming
    ? html`<div class="notice warning" role="alert" id="release-confirm">
<h3>${t('agencyExams.release.confirmTitle')}</h3>
<ul>${view.confirmRelease!.map(
        (i) =>
          html`<li>${t(`agencyExams.release.impact.${i.education}`, {
            since: formatRigaDateTime(new Date(i.current)),
            sessions: i.sessions,
            sittings: i.sittings,
            certificates: i.certificates,
          })}</li>`,
      )}</ul>
<p>${t('agencyExams.release.confirmNext')}</p>
</div>`
    : ''
}
<form method="post" action="/staff/agency/exams/release" class="stack">
${csrfField(page.user)}${hiddenField('year', String(view.year))}
<p class="hint" id="release-hint">${t('agencyExams.release.hint')}</p>
${field(page, { name: 'basic', type: 'datetime-local', label: t('agencyExams.release.basic'), value: view.release.basic, describedBy: ['release-hint'], error: view.errors.find((e) => e.field === 'basic')?.text })}
${field(page, { name: 'secondary', type: 'datetime-local', label: t('agencyExams.release.secondary'), value: view.release.secondary, describedBy: ['release-hint'], error: view.errors.find((e) => e.field === 'secondary')?.text })}
${confirming ? hiddenField('confirm', 'yes') : ''}
<button type="submit">${confirming ? t('agencyExams.release.confirm') : t('agencyExams.release.save')}</button>
${confirming ? html` <a href="/staff/agency/exams?year=${String(view.year)}">${t('agencyExams.cancel')}</a>` : ''}
</form>
</section>`;
}

export function agencyExamsPage(page: PageContext, view: AgencyExamsView) {
  const { t } = page;
  const next = view.year + 1;
  return layout(
    page,
    t('agencyExams.exams.title'),
    html`${agencyNav(page, 'exams')}
<h1>${t('agencyExams.exams.title')} ${schoolYearName(view.year)}</h1>
${errorSummary(page, { errors: view.errors })}
${view.message ? html`<p class="notice success" role="status">${view.message}</p>` : ''}
${yearChooser(page, view)}
${releaseForm(page, view)}
<section aria-labelledby="catalogue-title">
<h2 id="catalogue-title">${t('agencyExams.exams.catalogue')}</h2>
${
  view.exams.length === 0
    ? html`<p class="notice">${t('agencyExams.exams.empty')}</p>`
    : html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="catalogue-title"><table class="agency-exams">
<thead><tr><th scope="col">${t('agencyExams.exams.exam')}</th><th scope="col">${t('agencyExams.exams.parts')}</th><th scope="col">${t('agencyExams.exams.sessions')}</th></tr></thead>
<tbody>
${view.exams.map(
  (exam) => html`<tr>
<td><a href="/staff/agency/exams/${String(exam.id)}">${examTitle(page, exam)}</a></td>
<td>${partsSummary(page, exam)}</td>
<td>${sessionsSummary(page, exam)}</td>
</tr>`,
)}
</tbody></table></div>`
}
<form method="post" action="/staff/agency/exams/copy" class="stack">
${csrfField(page.user)}${hiddenField('year', String(next))}
<p class="hint" id="copy-hint">${t('agencyExams.exams.copyHint', { from: schoolYearName(view.year), to: schoolYearName(next) })}</p>
<button type="submit" aria-describedby="copy-hint">${t('agencyExams.exams.copy', { to: schoolYearName(next) })}</button>
</form>
</section>
${contactLine(page)}`,
    { error: view.errors.length > 0 },
  );
}

export interface AgencyExamView {
  exam: CatalogueExamRow;
  rows: PartInputRow[];
  rule: 'exact' | 'truncate';
  errors: FormError[];
  message?: string;
  /** The exam has points: what redefining its parts affects, to confirm. */
  confirmParts?: PartsChangeImpact;
  session: { term: string; startsOn: string; endsOn: string };
  sessionErrors: FormError[];
}

/** Blank rows offered after the defined parts, so that a part can be added without a script. */
export const SPARE_PART_ROWS = 3;

function partRows(page: PageContext, view: AgencyExamView) {
  const { t } = page;
  return view.rows.map((row, i) => {
    const n = i + 1;
    const error = (name: string) => view.errors.find((e) => e.field === `part-${n}-${name}`)?.text;
    return html`<fieldset class="part-row">
<legend>${t('agencyExams.parts.part', { n })}</legend>
${field(page, { name: `part_${n}_max`, id: `part-${n}-max`, label: t('agencyExams.parts.max'), value: row.maxPoints, error: error('max'), attributes: { inputmode: 'numeric', autocomplete: 'off' } })}
${field(page, { name: `part_${n}_weight`, id: `part-${n}-weight`, label: t('agencyExams.parts.weight'), hint: n === 1 ? t('agencyExams.parts.weightHint') : undefined, value: row.weight, error: error('weight'), attributes: { inputmode: 'decimal', autocomplete: 'off' } })}
${field(page, { name: `part_${n}_name_lv`, id: `part-${n}-name-lv`, label: t('agencyExams.parts.nameLv'), value: row.nameLv ?? '', attributes: { lang: 'lv', autocomplete: 'off' } })}
${field(page, { name: `part_${n}_name_en`, id: `part-${n}-name-en`, label: t('agencyExams.parts.nameEn'), value: row.nameEn ?? '', attributes: { lang: 'en', autocomplete: 'off' } })}
</fieldset>`;
  });
}

export function agencyExamPage(page: PageContext, view: AgencyExamView) {
  const { t } = page;
  const { exam } = view;
  const base = `/staff/agency/exams/${String(exam.id)}`;
  const impact = view.confirmParts;
  return layout(
    page,
    examTitle(page, exam),
    html`${agencyNav(page, 'exams')}
<p class="breadcrumb"><a href="/staff/agency/exams?year=${String(exam.school_year)}">${t('agencyExams.exams.title')} ${schoolYearName(exam.school_year)}</a></p>
<h1>${examTitle(page, exam)}</h1>
${errorSummary(page, { errors: [...view.errors, ...view.sessionErrors] })}
${view.message ? html`<p class="notice success" role="status">${view.message}</p>` : ''}
<section aria-labelledby="parts-title">
<h2 id="parts-title">${t('agencyExams.parts.title')}</h2>
${
  impact
    ? html`<div class="notice warning" role="alert" id="parts-confirm">
<h3>${t('agencyExams.parts.confirmTitle')}</h3>
<p>${t('agencyExams.parts.impact', { sessions: impact.sessions, sittings: impact.sittings })}</p>
<p>${t('agencyExams.parts.confirmNext')}</p>
</div>`
    : ''
}
<form method="post" action="${base}/parts" class="stack">
${csrfField(page.user)}
<p class="hint">${t('agencyExams.parts.hint')}</p>
${partRows(page, view)}
${field(page, {
  control: 'radios',
  name: 'rule',
  label: t('agencyExams.parts.rule'),
  value: view.rule,
  items: [
    { value: 'exact', label: t('agencyExams.parts.ruleExact'), hint: t('agencyExams.parts.ruleExactHint') },
    { value: 'truncate', label: t('agencyExams.parts.ruleTruncate'), hint: t('agencyExams.parts.ruleTruncateHint') },
  ],
})}
${impact ? hiddenField('confirm', 'yes') : ''}
<button type="submit">${impact ? t('agencyExams.parts.confirm') : t('agencyExams.parts.save')}</button>
${impact ? html` <a href="${base}">${t('agencyExams.cancel')}</a>` : ''}
</form>
</section>
<section aria-labelledby="sittings-title">
<h2 id="sittings-title">${t('agencyExams.sittings.title')}</h2>
${
  exam.sessions.length === 0
    ? html`<p class="notice">${t('agencyExams.sittings.none')}</p>`
    : html`<ul>${exam.sessions.map((s) => html`<li>${sessionsSummary(page, { ...exam, sessions: [s] })}</li>`)}</ul>`
}
<form method="post" action="${base}/sessions" class="stack">
${csrfField(page.user)}
<h3>${t('agencyExams.sittings.add')}</h3>
${field(page, {
  control: 'radios',
  name: 'term',
  label: t('agencyExams.sittings.term'),
  value: view.session.term,
  error: view.sessionErrors.find((e) => e.field === 'term')?.text,
  items: [
    { value: 'main', label: t('agencyExams.term.main') },
    { value: 'additional', label: t('agencyExams.term.additional') },
  ],
})}
${field(page, { name: 'starts_on', id: 'starts-on', type: 'date', label: t('agencyExams.sittings.startsOn'), value: view.session.startsOn, error: view.sessionErrors.find((e) => e.field === 'starts-on')?.text })}
${field(page, { name: 'ends_on', id: 'ends-on', type: 'date', label: t('agencyExams.sittings.endsOn'), hint: t('agencyExams.sittings.endsOnHint'), value: view.session.endsOn, error: view.sessionErrors.find((e) => e.field === 'ends-on')?.text })}
<button type="submit">${t('agencyExams.sittings.save')}</button>
</form>
</section>
${contactLine(page)}`,
    { error: view.errors.length + view.sessionErrors.length > 0 },
  );
}
