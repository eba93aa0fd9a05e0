/**
 * The "Request on paper" form: delivery by post (with an address) or pick-up at the agency. Pure: the form's
 * fields in, a delivery choice or the problems (message keys under `paperRequests.problem.`) out.
 */
import type { DeliveryChoice } from '../data/paper-requests.js';

export interface PaperFormProblem {
  field: 'delivery' | 'recipient' | 'line1' | 'line2' | 'city' | 'postcode' | 'country';
  problem: 'required' | 'too-long' | 'invalid';
}

const LIMITS = { recipient: 120, line1: 120, line2: 120, city: 80, postcode: 12, country: 60 } as const;
const LATVIA = new Set(['latvija', 'latvia', 'lv']);

/** Spaces squeezed, control characters dropped: what a label printer and a spreadsheet can take. */
function clean(value: string | undefined): string {
  return (value ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The fields of the form a person types, in the order they appear. */
export const PAPER_FORM_FIELDS = ['delivery', 'recipient', 'line1', 'line2', 'city', 'postcode', 'country'] as const;

/**
 * What of a sent form is kept as a draft: the form's own fields only, each no longer than the form allows (a
 * draft is what was typed, problems included, so it is capped rather than checked).
 */
export function draftFields(form: Record<string, string | undefined>): Record<string, string> {
  const draft: Record<string, string> = {};
  for (const name of PAPER_FORM_FIELDS) {
    const value = form[name];
    if (value === undefined) continue;
    draft[name] = name === 'delivery' ? (value === 'pickup' ? 'pickup' : 'post') : value.slice(0, 2 * LIMITS[name]);
  }
  return draft;
}

export function isLatvia(country: string): boolean {
  return LATVIA.has(country.trim().toLowerCase());
}

export function parsePaperForm(form: Record<string, string | undefined>): { ok: true; value: DeliveryChoice } | { ok: false; problems: PaperFormProblem[] } {
  const delivery = form.delivery;
  if (delivery === 'pickup') return { ok: true, value: { delivery: 'pickup' } };
  if (delivery !== 'post') return { ok: false, problems: [{ field: 'delivery', problem: 'required' }] };

  const problems: PaperFormProblem[] = [];
  const field = (name: keyof typeof LIMITS, required: boolean): string => {
    const value = clean(form[name]);
    if (required && value === '') problems.push({ field: name, problem: 'required' });
    else if (value.length > LIMITS[name]) problems.push({ field: name, problem: 'too-long' });
    return value;
  };
  const recipient = field('recipient', true);
  const line1 = field('line1', true);
  const line2 = field('line2', false);
  const city = field('city', true);
  const country = field('country', true);
  let postcode = field('postcode', true).toUpperCase();
  if (postcode && !problems.some((p) => p.field === 'postcode')) {
    if (isLatvia(country)) {
      // Latvian postcodes are LV-NNNN; "1050" and "LV 1050" are the same code written loosely.
      const match = /^(?:LV[\s-]?)?(\d{4})$/.exec(postcode);
      if (match) postcode = `LV-${match[1]}`;
      else problems.push({ field: 'postcode', problem: 'invalid' });
    } else if (!/^[A-Z0-9][A-Z0-9 -]*$/.test(postcode)) problems.push({ field: 'postcode', problem: 'invalid' });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { delivery: 'post', address: { recipient, line1, line2: line2 || null, city, postcode, country } } };
}
