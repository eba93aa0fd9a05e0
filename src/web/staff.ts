/**
 * The guard of the staff pages. `requireStaff()` lets only signed-in staff with a role through and sets
 * `c.var.staff` (their scope); everyone else is sent to the staff sign-in. `institutionInScope()` turns the
 * institution a request names into the one the queries may use: a school user only ever gets their own.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { loadStaffScope, type StaffScope } from '../data/staff.js';
import type { AppEnv } from './context.js';
import { wholeNumber } from './forms.js';
import { signedInActor, type SignedInStaff } from './signed-in.js';
import { prepareHeader } from './response-headers.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function staffLoginHref(returnTo?: string): string {
  return returnTo ? `/staff/login?return_to=${encodeURIComponent(returnTo)}` : '/staff/login';
}

export function requireStaff(db: Kysely<Database>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const signedIn = c.get('signedIn');
    const scope = signedIn?.kind === 'staff' ? await loadStaffScope(db, signedIn.userId) : undefined;
    if (scope) {
      c.set('staff', scope);
      return next();
    }
    const url = new URL(c.req.url);
    const target = SAFE_METHODS.has(c.req.method) ? staffLoginHref(url.pathname + url.search) : staffLoginHref();
    if (c.req.header('HX-Request')) {
      prepareHeader(c, 'HX-Redirect', target);
      return c.body(null, 204);
    }
    return c.redirect(target, SAFE_METHODS.has(c.req.method) ? 302 : 303);
  };
}

/** The scope `requireStaff()` set; a route without the guard is a programming error. */
export function staffScope(c: Context<AppEnv>): StaffScope {
  const scope = c.get('staff');
  if (!scope) throw new Error('staff route without requireStaff()');
  return scope;
}

/** The staff user `requireStaff()` let through. */
export function staffUser(c: Context<AppEnv>): SignedInStaff {
  const signedIn = c.get('signedIn');
  if (signedIn?.kind !== 'staff' || !c.get('staff')) throw new Error('staff route without requireStaff()');
  return signedIn;
}

/**
 * The institution a request is about. A school user gets their own; naming any other gives 404, the same as a
 * page that does not exist. Agency staff get the one named, or null (all institutions) when none is named.
 */
export function institutionInScope(scope: StaffScope, requested: string | undefined | null): number | null {
  const named = requested ? wholeNumber(requested) : null;
  if (named === undefined) throw new HTTPException(404);
  if (scope.kind === 'agency') return named;
  if (named !== null && named !== scope.institutionId) throw new HTTPException(404);
  return scope.institutionId;
}

/** Who did it, as the audit log names staff. */
export function staffActor(c: Context<AppEnv>): string {
  return signedInActor(staffUser(c));
}
