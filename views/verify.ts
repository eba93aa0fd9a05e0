import { html } from 'hono/html';
import type { Fact, VerdictKind, VerificationAnswer } from '../src/verification-text.js';
import { errorFor, errorSummary, field, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface VerifyForm {
  number?: string;
  /** What was typed in the code field: a verification code or the holder's personal code. */
  code?: string;
  /** Problems shown above the forms, already in the reader's language; those of a field also beside it. */
  errors?: FormError[];
}

/** The form page: upload an .edoc, or a number with a code. */
export function verifyPage(page: PageContext, form: VerifyForm = {}) {
  const { t } = page;
  const errors = form.errors ?? [];
  return layout(
    page,
    t('verify.title'),
    html`${errorSummary(page, { errors })}
<h1>${t('verify.title')}</h1>
<p>${t('verify.intro')}</p>
<form method="post" action="/verify" enctype="multipart/form-data" class="stack">
  <fieldset>
    <legend>${t('verify.upload.legend')}</legend>
    ${field(page, {
      name: 'edoc',
      type: 'file',
      label: t('verify.upload.file'),
      hint: t('verify.upload.fileHint'),
      error: errorFor(errors, 'edoc'),
      attributes: { accept: '.edoc,.asice,application/vnd.etsi.asic-e+zip', required: true },
    })}
    <button type="submit">${t('verify.upload.submit')}</button>
  </fieldset>
</form>
<form method="post" action="/verify/number" class="stack">
  <fieldset>
    <legend>${t('verify.lookup.legend')}</legend>
    ${field(page, {
      name: 'number',
      label: t('verify.lookup.number'),
      hint: t('verify.lookup.numberHint'),
      value: form.number ?? '',
      error: errorFor(errors, 'number'),
      attributes: { inputmode: 'text', autocomplete: 'off', spellcheck: 'false', required: true },
    })}
    ${field(page, {
      name: 'code',
      label: t('verify.lookup.code'),
      hint: t('verify.lookup.codeHint'),
      value: form.code ?? '',
      error: errorFor(errors, 'code'),
      attributes: { autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true },
    })}
    <button type="submit">${t('verify.lookup.submit')}</button>
  </fieldset>
</form>
${contactLine(page)}`,
    { error: errors.length > 0 },
  );
}

/** A sign beside the verdict's words, so that the verdict never rests on colour alone; the words say it all. */
const ICONS: Record<VerdictKind, string> = {
  valid: '✓',
  annulled: '!',
  'not-genuine': '✗',
  'not-a-certificate': '✗',
  'not-found': '?',
};

function factList(facts: readonly Fact[]) {
  return html`<dl class="verify-facts">
${facts.map((f) => html`<div><dt>${f.label}</dt><dd>${f.value}</dd></div>`)}
</dl>`;
}

function contactLine(page: PageContext) {
  const { contact, t, lang } = page;
  return html`<p class="verify-contact">${t('verify.answer.contact')} <a href="mailto:${contact.email}">${contact.email}</a>, <a href="tel:${contact.phone.replace(/\s/g, '')}">${contact.phone}</a> (${contact.hours[lang]}).</p>`;
}

/**
 * The answer to a check: one verdict as the page's heading (focused on arrival, so a screen reader reads it
 * first), what it rests on and what to do next, then the facts, then the technical details folded away. Printed,
 * it keeps the verdict, the facts and the moment of the check, without navigation or links.
 */
export function verifyResultPage(page: PageContext, answer: VerificationAnswer, checkedAt: string) {
  const { t } = page;
  return layout(
    page,
    `${answer.title} · ${t('verify.title')}`,
    html`<p class="verify-caption">${t('verify.title')}</p>
<div class="verdict verdict-${answer.verdict}">
  <h1 id="verdict" tabindex="-1" autofocus><span class="verdict-icon" aria-hidden="true">${ICONS[answer.verdict]}</span> ${answer.title}</h1>
  ${answer.summary.map((s) => html`<p>${s}</p>`)}
  ${
    answer.reasons.length > 0
      ? html`<h2 class="verdict-why">${t('verify.answer.why')}</h2>
  <ul>
${answer.reasons.map((r) => html`<li>${r}</li>`)}
  </ul>`
      : ''
  }
</div>
<p class="verify-next"><strong>${t('verify.answer.next')}</strong> ${answer.next}</p>
${
  answer.facts.length > 0
    ? html`<section aria-labelledby="facts-title">
<h2 id="facts-title">${t('verify.facts.title')}</h2>
${factList(answer.facts)}
</section>`
    : ''
}
<details class="verify-technical">
<summary>${t('verify.technical.title')}</summary>
${factList(answer.technical)}
</details>
<p class="verify-checked">${t('verify.answer.checked-at', { time: checkedAt, site: t('site.name') })}</p>
${contactLine(page)}
<div class="verify-actions no-print">
<p><a href="/verify?lang=${page.lang}">${t('verify.answer.check-another')}</a></p>
<p class="hint">${t('verify.answer.print-hint')}</p>
</div>`,
  );
}
