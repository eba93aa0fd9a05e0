/**
 * The one pattern every form of the portal follows, modelled on the GOV.UK Design System's form components:
 * each field is a label (or a legend, for a group of radios), an optional hint, an optional error message and
 * then the control, the control described by the hint and the error through `aria-describedby`; a form sent
 * back with problems starts with an error summary whose links lead to the fields concerned. Ids come from the
 * field's name (`session`, `session-hint`, `session-error`), so a summary link and the field always agree.
 */
import { html } from 'hono/html';
import type { Translate } from '../src/i18n.js';
import type { Html } from './html.js';

type Content = string | Html;

/** Anything with the reader's translator: the portal's pages and the e-service embed alike. */
export interface Translated {
  t: Translate;
}

/** A problem found in a submitted form, already in the reader's language. */
export interface FormError {
  /** The id of the field concerned (its name unless the form gives it another); absent when no field is to blame. */
  field?: string;
  text: string;
}

/** Extra attributes of a control: `true` writes the bare attribute, `false` or undefined leaves it out. */
export type Attributes = Record<string, string | boolean | undefined>;

interface FieldCommon {
  name: string;
  /** Where the name alone would not be unique or clear on the page (the default is the name). */
  id?: string;
  label: Content;
  hint?: Content;
  /** The field's error message, already translated. */
  error?: string;
  /** Further ids that describe the control, such as a hint the field shares with its neighbour. */
  describedBy?: readonly string[];
}

export interface InputField extends FieldCommon {
  control?: 'input';
  /** `text` unless given: `date`, `datetime-local`, `file`… */
  type?: string;
  value?: string;
  attributes?: Attributes;
}

export interface SelectOption {
  value: string;
  text: Content;
}

export interface SelectField extends FieldCommon {
  control: 'select';
  /** The selected option's value. */
  value?: string;
  options: readonly SelectOption[];
  attributes?: Attributes;
}

export interface ChoiceItem {
  value: string;
  label: Content;
  hint?: Content;
}

export interface ChoiceField extends FieldCommon {
  control: 'radios' | 'checkboxes';
  /** The checked value (radios) or values (checkboxes). */
  value?: string | readonly string[];
  items: readonly ChoiceItem[];
}

export type FieldSpec = InputField | SelectField | ChoiceField;

export function fieldId(spec: Pick<FieldCommon, 'name' | 'id'>): string {
  return spec.id ?? spec.name;
}

export const hintId = (id: string) => `${id}-hint`;
export const errorId = (id: string) => `${id}-error`;

/** The message for one field among a form's errors, if it has one. */
export function errorFor(errors: readonly FormError[], id: string): string | undefined {
  return errors.find((e) => e.field === id)?.text;
}

function attributes(list: Attributes | undefined) {
  return Object.entries(list ?? {}).map(([name, value]) => (value === true ? html` ${name}` : typeof value === 'string' ? html` ${name}="${value}"` : ''));
}

function describedBy(ids: readonly (string | undefined)[]) {
  const present = ids.filter((id): id is string => id !== undefined);
  return present.length > 0 ? html` aria-describedby="${present.join(' ')}"` : '';
}

function hintText(id: string, hint: Content | undefined) {
  return hint === undefined ? '' : html`<p class="hint" id="${hintId(id)}">${hint}</p>`;
}

/** The error message; screen readers hear "Error:" before it, as the colour alone says nothing to them. */
function errorMessage(page: Translated, id: string, error: string | undefined) {
  return error === undefined
    ? ''
    : html`<p class="field-error" id="${errorId(id)}"><span class="visually-hidden">${page.t('forms.errorPrefix')}</span> ${error}</p>`;
}

/**
 * One field. The first radio or checkbox of a group carries the field's id, so that the summary's link lands
 * on it; the others add their value (`delivery`, `delivery-pickup`).
 */
export function field(page: Translated, spec: FieldSpec): Html {
  const id = fieldId(spec);
  const invalid = spec.error !== undefined;
  const description = describedBy([spec.hint === undefined ? undefined : hintId(id), ...(spec.describedBy ?? []), invalid ? errorId(id) : undefined]);
  const invalidAttribute = invalid ? html` aria-invalid="true"` : '';
  const wrapper = invalid ? 'field field-invalid' : 'field';
  const messages = html`${hintText(id, spec.hint)}${errorMessage(page, id, spec.error)}`;

  switch (spec.control) {
    case 'radios':
    case 'checkboxes': {
      const type = spec.control === 'radios' ? 'radio' : 'checkbox';
      const checked = typeof spec.value === 'string' ? [spec.value] : (spec.value ?? []);
      const items = spec.items.map((item, index) => {
        const itemId = index === 0 ? id : `${id}-${item.value}`;
        const itemHint =
          item.hint === undefined
            ? ''
            : html`
${hintText(itemId, item.hint)}`;
        return html`<div class="choice"><input type="${type}" id="${itemId}" name="${spec.name}" value="${item.value}"${checked.includes(item.value) ? html` checked` : ''}${invalidAttribute}${describedBy([item.hint === undefined ? undefined : hintId(itemId)])}> <label for="${itemId}">${item.label}</label>${itemHint}</div>`;
      });
      return html`<div class="${wrapper}"><fieldset${description}>
<legend>${spec.label}</legend>
${messages}
${items}
</fieldset></div>`;
    }
    case 'select': {
      const options = spec.options.map(
        (option) => html`<option value="${option.value}"${option.value === spec.value ? html` selected` : ''}>${option.text}</option>`,
      );
      return html`<div class="${wrapper}"><label for="${id}">${spec.label}</label>
${messages}<select id="${id}" name="${spec.name}"${attributes(spec.attributes)}${description}${invalidAttribute}>
${options}
</select></div>`;
    }
    default:
      return html`<div class="${wrapper}"><label for="${id}">${spec.label}</label>
${messages}<input type="${spec.type ?? 'text'}" id="${id}" name="${spec.name}"${spec.value === undefined ? '' : html` value="${spec.value}"`}${attributes(spec.attributes)}${description}${invalidAttribute}></div>`;
  }
}

export interface ErrorSummaryOptions {
  errors: readonly FormError[];
  /** A sentence under the heading, such as what became of the request. */
  description?: string;
}

/**
 * The box at the top of a form sent back with problems: a heading, then each problem, as a link to its field
 * where it has one. Most pages carry no script, so `autofocus` has the browser itself move focus there, and
 * the alert role has it read out.
 */
export function errorSummary(page: Translated, options: ErrorSummaryOptions): Html | '' {
  if (options.errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">${page.t('forms.summaryTitle')}</h2>
${options.description ? html`<p>${options.description}</p>` : ''}
<ul>
${options.errors.map((e) => html`<li>${e.field === undefined ? e.text : html`<a href="#${e.field}">${e.text}</a>`}</li>`)}
</ul>
</div>`;
}

/** A hidden input. */
export function hiddenField(name: string, value: string): Html {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

/** The hidden field carrying the session's CSRF token; every state-changing form of a signed-in person has it. */
export function csrfField(session: { csrfToken: string } | undefined): Html {
  return hiddenField('_csrf', session?.csrfToken ?? '');
}
