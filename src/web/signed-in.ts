import type { StaffScope } from '../data/staff.js';

interface SignedInCommon {
  displayName: string;
  /** Sent back with every state-changing form (hidden field `_csrf`) or htmx request (header `X-CSRF-Token`). */
  csrfToken: string;
  /** How they signed in: an OpenID provider's name, or `demo`. */
  provider: string;
}

// Each kind also names the other kind's id, as null: both have the same fields, as the table holds them.

/** A student: they see the results of `personId`, a person of the register. */
export interface SignedInStudent extends SignedInCommon {
  kind: 'student';
  personId: number;
  userId: null;
  /** The version of their results page's data, read with the session (src/data/web-sessions.ts); absent: ask. */
  resultsVersion?: string;
}

/** A member of staff: the roles of `userId` decide what they see. */
export interface SignedInStaff extends SignedInCommon {
  kind: 'staff';
  userId: number;
  personId: null;
}

/** Who is signed in, as the session middleware (src/web/session.ts) reads it from their web session. */
export type SignedIn = SignedInStudent | SignedInStaff;

export interface SignedInVariables {
  signedIn?: SignedIn;
  /** For signed-in staff: what they may see, set by `requireStaff()` (src/web/staff.ts). */
  staff?: StaffScope;
}

/** How the audit log names a student or a member of staff. */
export function signedInActor(who: Pick<SignedInStudent, 'kind' | 'personId'> | Pick<SignedInStaff, 'kind' | 'userId'>): string {
  return who.kind === 'student' ? `person:${who.personId}` : `user:${who.userId}`;
}
