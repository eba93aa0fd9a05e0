import { html } from 'hono/html';
import type { Statement } from '../src/verification-text.js';
import { errorFor, errorSummary, field, type FormError } from './forms.js';
import { layout, type PageContext } from './layout.js';

export interface VerifyForm {
  number?: string;
  /** A verification code to show again (never a personal code). */
  code?: string;
  /** Problems shown above the forms, already in the reader's language; those of a field also beside it. */
  errors?: FormError[];
}

function statementList(statements: readonly Statement[]) {
  return html`<ul class="statements">
${statements.map((s) => html`<li class="${s.tone}">${s.tone === 'ok' ? html`<span aria-hidden="true">✓ </span>` : s.tone === 'bad' ? html`<span aria-hidden="true">✗ </span>` : ''}${s.text}</li>`)}
</ul>`;
}

export function verifyPage(page: PageContext, form: VerifyForm = {}, result?: readonly Statement[]) {
  const { t } = page;
  const errors = form.errors ?? [];
  return layout(
    page,
    t('verify.title'),
    html`<h1>${t('verify.title')}</h1>
${result ? html`<section aria-labelledby="result" class="result"><h2 id="result" tabindex="-1">${t('verify.result')}</h2>${statementList(result)}</section>` : ''}
${errorSummary(page, { errors })}
<p>${t('verify.intro')}</p>
<form method="post" action="/verify" enctype="multipart/form-data" class="stack">
  <fieldset>
    <legend>${t('verify.upload.legend')}</legend>
    ${field(page, { name: 'edoc', type: 'file', label: t('verify.upload.file'), error: errorFor(errors, 'edoc'), attributes: { accept: '.edoc,.asice,application/vnd.etsi.asic-e+zip', required: true } })}
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
</form>`,
    { error: errors.length > 0 },
  );
}
