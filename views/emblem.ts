/**
 * The portal's emblem: a shield with an open book, drawn for this service (not a state coat of arms). Inline, so
 * every page (the geo refusal and the overload page too) shows it without one more request.
 */
export const EMBLEM_SVG =
  '<svg class="emblem" width="28" height="28" viewBox="0 0 32 32" aria-hidden="true" focusable="false">' +
  '<path fill="#9e3039" d="M16 1 3 6v9c0 8 5.6 13.6 13 16 7.4-2.4 13-8 13-16V6z"/>' +
  '<path fill="#fff" d="M8 11c3 0 5.5.6 7 2v10c-1.5-1.2-4-1.8-7-1.8zm16 0c-3 0-5.5.6-7 2v10c1.5-1.2 4-1.8 7-1.8z"/></svg>';

/** The agency's short name, the same in both languages. */
export const AGENCY_ABBREVIATION = 'VIAA';
