/**
 * The ways staff lists can be narrowed and ordered, as the agency's system names them: the candidates of an exam
 * session (seed 000: Registered, Applied, Exempted, With international certificate) and the paper-copy requests
 * by their state. The queries and the pages take their choices from here.
 */
export const CANDIDATE_FILTERS = ['registered', 'applied', 'exempted', 'international'] as const;
export type CandidateFilter = (typeof CANDIDATE_FILTERS)[number];

export const CANDIDATE_SORTS = ['personalCode', 'firstName', 'lastName', 'className', 'candidateCode', 'exempted', 'tookPart', 'international'] as const;
export type CandidateSort = (typeof CANDIDATE_SORTS)[number];

export const PAPER_STATUS_FILTERS = ['open', 'received', 'printed', 'sent', 'all'] as const;
export type PaperStatusFilter = (typeof PAPER_STATUS_FILTERS)[number];

/** The longest search text the candidates table takes (a name and a code fit many times over). */
export const MAX_SEARCH_LENGTH = 100;

/**
 * Latvian alphabetical order (Ā after A, Č after C, … Ž after Z), for every list of names staff read. One collator
 * for the process: SQLite and PostgreSQL have no collation in common that knows Latvian, so names are ordered
 * here, the same whatever the database.
 */
const LATVIAN = new Intl.Collator('lv');

export function compareLatvian(a: string, b: string): number {
  return LATVIAN.compare(a, b);
}

/** Text as a search compares it: lower case, without diacritics ("Bērziņš" and "berzins" meet). */
export function searchFold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('lv');
}

/** The words of a search, folded; empty when there is nothing to search for. */
export function searchTerms(search: string | undefined): string[] {
  if (!search) return [];
  return searchFold(search.slice(0, MAX_SEARCH_LENGTH))
    .split(/[\s,;()]+/)
    .filter((term) => term.length > 0);
}

export interface SearchableCandidate {
  firstName: string;
  lastName: string;
  candidateCode: string;
}

/** Every word of the search is found in the candidate's names or candidate code. */
export function matchesSearch(candidate: SearchableCandidate, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const haystack = searchFold(`${candidate.firstName} ${candidate.lastName} ${candidate.candidateCode}`);
  return terms.every((term) => haystack.includes(term));
}

export interface SortableCandidate {
  registrationId: number;
  firstName: string;
  lastName: string;
  /** The value of the chosen sort column. */
  sortValue: string | number | null;
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareLatvian(a === null ? '' : String(a), b === null ? '' : String(b));
}

/**
 * The table's order: the chosen column in the chosen direction, then surname and first name in Latvian order, then
 * the registration (so that equal names still have one fixed order across pages).
 */
export function compareCandidates(direction: 'asc' | 'desc') {
  const sign = direction === 'asc' ? 1 : -1;
  return (a: SortableCandidate, b: SortableCandidate): number =>
    sign * compareValues(a.sortValue, b.sortValue) ||
    compareLatvian(a.lastName, b.lastName) ||
    compareLatvian(a.firstName, b.firstName) ||
    a.registrationId - b.registrationId;
}

export interface SearchableInstitution {
  name: string;
  registrationNumber: string;
}

/** The institutions whose name or registration number hold every word of the search, in their given order. */
export function matchingInstitutions<T extends SearchableInstitution>(institutions: readonly T[], search: string): T[] {
  const terms = searchTerms(search);
  if (terms.length === 0) return [];
  return institutions.filter((i) => {
    const haystack = searchFold(`${i.name} ${i.registrationNumber}`);
    return terms.every((term) => haystack.includes(term));
  });
}
