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
