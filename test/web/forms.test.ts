/**
 * The form components every page uses: a field's label, hint, error and control are wired together by ids
 * derived from its name, and the error summary links to those ids.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { html } from 'hono/html';
import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_CONTACT } from '../../src/config.js';
import { translator } from '../../src/i18n.js';
import { csrfField, errorSummary, field, type FieldSpec, type FormError } from '../../views/forms.js';
import { layout, type Html } from '../../views/layout.js';

const page = { t: translator('en') };

async function parse(fragment: Html | string): Promise<Document> {
  return new DOMParser().parseFromString(`<!doctype html><html><body>${String(await fragment)}</body></html>`, 'text/html');
}

function byId(doc: Document, id: string): Element {
  const element = doc.getElementById(id);
  if (!element) throw new Error(`no element with id ${id}`);
  return element;
}

function labelFor(doc: Document, id: string): Element | undefined {
  return Array.from(doc.getElementsByTagName('label')).find((l) => l.getAttribute('for') === id);
}

const describedBy = (element: Element) => (element.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);

describe('field()', () => {
  it('labels a text input for its id, taken from the name, and describes it by its hint', async () => {
    const doc = await parse(field(page, { name: 'number', label: 'Certificate number', hint: 'For example 2024/301949081206-KUMAL', value: 'a"b' }));
    const input = byId(doc, 'number');
    expect(input.tagName.toLowerCase()).toBe('input');
    expect(input.getAttribute('name')).toBe('number');
    expect(input.getAttribute('type')).toBe('text');
    expect(input.getAttribute('value')).toBe('a"b');
    expect(labelFor(doc, 'number')?.textContent).toBe('Certificate number');
    expect(describedBy(input)).toEqual(['number-hint']);
    expect(byId(doc, 'number-hint').textContent).toBe('For example 2024/301949081206-KUMAL');
    expect(input.hasAttribute('aria-invalid')).toBe(false);
    expect(doc.getElementById('number-error')).toBeNull();
  });

  it('in error: shows the message, describes the control by the hint and the error, and marks it invalid', async () => {
    const doc = await parse(
      field(page, {
        name: 'number',
        label: 'Certificate number',
        hint: 'Like this',
        error: 'The number is not valid.',
        attributes: { required: true, autocomplete: 'off' },
      }),
    );
    const input = byId(doc, 'number');
    expect(describedBy(input)).toEqual(['number-hint', 'number-error']);
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.hasAttribute('required')).toBe(true);
    expect(input.getAttribute('autocomplete')).toBe('off');
    // Screen readers hear that it is an error, not only the message.
    expect(byId(doc, 'number-error').textContent).toBe('Error: The number is not valid.');
  });

  it('takes another id where a page has two fields of one name, and more describing ids', async () => {
    const doc = await parse(field(page, { name: 'date', id: 'postal-date', type: 'date', label: 'Date', describedBy: ['range-hint'], error: 'Bad date' }));
    const input = byId(doc, 'postal-date');
    expect(input.getAttribute('name')).toBe('date');
    expect(input.getAttribute('type')).toBe('date');
    expect(labelFor(doc, 'postal-date')).toBeDefined();
    expect(describedBy(input)).toEqual(['range-hint', 'postal-date-error']);
  });

  it('renders a select with the chosen option selected, wired like any field', async () => {
    const spec: FieldSpec = {
      control: 'select',
      name: 'format',
      label: 'Format',
      value: 'csv',
      options: [
        { value: 'xlsx', text: 'XLSX' },
        { value: 'csv', text: 'CSV' },
      ],
      error: 'This field is required.',
    };
    const doc = await parse(field(page, spec));
    const select = byId(doc, 'format');
    expect(select.tagName.toLowerCase()).toBe('select');
    expect(labelFor(doc, 'format')?.textContent).toBe('Format');
    expect(describedBy(select)).toEqual(['format-error']);
    expect(select.getAttribute('aria-invalid')).toBe('true');
    const options = Array.from(select.getElementsByTagName('option'));
    expect(options.map((o) => [o.getAttribute('value'), o.hasAttribute('selected')])).toEqual([
      ['xlsx', false],
      ['csv', true],
    ]);
  });

  it('groups radios under a legend; the first carries the field’s id, so the summary’s link lands on it', async () => {
    const doc = await parse(
      field(page, {
        control: 'radios',
        name: 'delivery',
        label: 'How?',
        hint: 'Choose one.',
        value: 'pickup',
        items: [
          { value: 'post', label: 'By post' },
          { value: 'pickup', label: 'Pick it up', hint: 'At the agency.' },
        ],
        error: 'This field is required.',
      }),
    );
    const fieldset = doc.getElementsByTagName('fieldset')[0]!;
    expect(fieldset.getElementsByTagName('legend')[0]?.textContent).toBe('How?');
    expect(describedBy(fieldset)).toEqual(['delivery-hint', 'delivery-error']);
    const first = byId(doc, 'delivery');
    const second = byId(doc, 'delivery-pickup');
    expect([first.getAttribute('value'), second.getAttribute('value')]).toEqual(['post', 'pickup']);
    expect([first.getAttribute('name'), second.getAttribute('name')]).toEqual(['delivery', 'delivery']);
    expect([first.hasAttribute('checked'), second.hasAttribute('checked')]).toEqual([false, true]);
    expect(labelFor(doc, 'delivery')?.textContent).toBe('By post');
    expect(labelFor(doc, 'delivery-pickup')?.textContent).toBe('Pick it up');
    expect(describedBy(second)).toEqual(['delivery-pickup-hint']);
    expect([first.getAttribute('aria-invalid'), second.getAttribute('aria-invalid')]).toEqual(['true', 'true']);
  });
});

describe('errorSummary()', () => {
  const errors: FormError[] = [{ field: 'number', text: 'Certificate number: the number is not valid.' }, { text: 'Too many checks from your address.' }];

  it('is a focusable alert with a heading, linking each problem to its field and listing the others plainly', async () => {
    const doc = await parse(errorSummary(page, { errors, description: 'The request was not accepted.' }));
    const summary = doc.getElementsByTagName('div')[0]!;
    expect(summary.getAttribute('role')).toBe('alert');
    expect(summary.getAttribute('tabindex')).toBe('-1');
    expect(byId(doc, summary.getAttribute('aria-labelledby')!).textContent).toBe('There is a problem');
    const items = Array.from(summary.getElementsByTagName('li'));
    expect(items.map((li) => li.textContent)).toEqual(errors.map((e) => e.text));
    const links = Array.from(summary.getElementsByTagName('a'));
    expect(links.map((a) => [a.getAttribute('href'), a.textContent])).toEqual([['#number', 'Certificate number: the number is not valid.']]);
    expect(summary.getElementsByTagName('p')[0]?.textContent).toBe('The request was not accepted.');
  });

  it('links to the field rendered with the same name', async () => {
    const doc = await parse(html`${errorSummary(page, { errors })}${field(page, { name: 'number', label: 'Number', error: 'Not valid.' })}`);
    const href = doc.getElementsByTagName('a')[0]!.getAttribute('href')!;
    expect(byId(doc, href.slice(1)).getAttribute('aria-invalid')).toBe('true');
  });

  it('renders nothing without errors', async () => {
    expect(errorSummary(page, { errors: [] })).toBe('');
  });

  it('is in the reader’s language', async () => {
    const lv = await parse(errorSummary({ t: translator('lv') }, { errors }));
    expect(lv.getElementsByTagName('h2')[0]?.textContent).toBe('Ir problēma');
  });
});

describe('csrfField() and the title of a page in error', () => {
  it('carries the session’s token in the hidden _csrf field', async () => {
    expect(String(await csrfField({ csrfToken: 'tok&en' }))).toBe('<input type="hidden" name="_csrf" value="tok&amp;en">');
  });

  it('starts the title with "Error:" / "Kļūda:" only when the page shows problems', async () => {
    const context = (lang: 'lv' | 'en') => ({ t: translator(lang), lang, path: '/verify', assets: { css: '/static/app.css' }, contact: DEVELOPMENT_CONTACT });
    const title = async (lang: 'lv' | 'en', error: boolean) =>
      /<title>([^<]*)<\/title>/.exec(String(await layout(context(lang), 'Check', html`<h1>Check</h1>`, { error })))![1];
    expect(await title('en', true)).toMatch(/^Error: Check · /);
    expect(await title('lv', true)).toMatch(/^Kļūda: Check · /);
    expect(await title('en', false)).toMatch(/^Check · /);
  });
});
