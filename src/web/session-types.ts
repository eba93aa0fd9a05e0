import type { StaffScope } from '../data/staff.js';

/** Who is signed in, as the session middleware (src/web/session.ts) hands it to the routes. */
export interface SessionInfo {
  kind: 'student' | 'staff';
  /** For students: the person whose results they see. */
  personId: number | null;
  /** For staff: the user whose roles decide what they see. */
  userId: number | null;
  displayName: string;
  /** Sent back with every state-changing form (hidden field `_csrf`) or htmx request (header `X-CSRF-Token`). */
  csrfToken: string;
  provider: string;
}

export interface SessionVariables {
  session?: SessionInfo;
  /** For signed-in staff: what they may see, set by `requireStaff()` (src/web/staff.ts). */
  staff?: StaffScope;
}
