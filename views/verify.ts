import { html } from 'hono/html';
import type { Statement } from '../src/verification-text.js';
import { layout, type PageContext } from './layout.js';

export interface VerifyForm {
  number?: string;
  /** Errors shown above the form, already in the reader's language. */
  errors?: string[];
}

function statementList(statements: readonly Statement[]) {
  return html`<ul class="statements">
${statements.map((s) => html`<li class="${s.tone}">${s.tone === 'ok' ? html`<span aria-hidden="true">✓ </span>` : s.tone === 'bad' ? html`<span aria-hidden="true">✗ </span>` : ''}${s.text}</li>`)}
</ul>`;
}

export function verifyPage(page: PageContext, form: VerifyForm = {}, result?: readonly Statement[]) {
  const { t } = page;
  return layout(
    page,
    t('verify.title'),
    html`<h1>${t('verify.title')}</h1>
${result ? html`<section aria-labelledby="result" class="result"><h2 id="result" tabindex="-1">${t('verify.result')}</h2>${statementList(result)}</section>` : ''}
${form.errors && form.errors.length > 0 ? html`<div class="errors" role="alert"><ul>${form.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<p>${t('verify.intro')}</p>
<form method="post" action="/verify" enctype="multipart/form-data" class="stack">
  <fieldset>
    <legend>${t('verify.upload.legend')}</legend>
    <label for="edoc">${t('verify.upload.file')}</label>
    <input id="edoc" name="edoc" type="file" accept=".edoc,.asice,application/vnd.etsi.asic-e+zip" required>
    <button type="submit">${t('verify.upload.submit')}</button>
  </fieldset>
</form>
<form method="post" action="/verify/number" class="stack">
  <fieldset>
    <legend>${t('verify.lookup.legend')}</legend>
    <label for="number">${t('verify.lookup.number')}</label>
    <input id="number" name="number" type="text" inputmode="text" autocomplete="off" spellcheck="false" aria-describedby="number-hint" value="${form.number ?? ''}" required>
    <p id="number-hint" class="hint">${t('verify.lookup.numberHint')}</p>
    <label for="code">${t('verify.lookup.code')}</label>
    <input id="code" name="code" type="text" inputmode="numeric" autocomplete="off" required>
    <button type="submit">${t('verify.lookup.submit')}</button>
  </fieldset>
</form>`,
  );
}
