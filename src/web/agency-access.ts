/**
 * Who may use the agency's pages (/staff/agency): agency staff, and for staff management agency administrators.
 * Anyone else gets 404, the same answer as a page that does not exist, so a school user learns nothing of them.
 * These guards stand behind `requireStaff()`, which has loaded the signed-in user's scope from their roles.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AgencyActor } from '../data/annulment-requests.js';
import type { ReportQueueSettings } from '../data/report-jobs.js';
import type { AppEnv } from './context.js';
import { staffActor, staffScope, staffUser } from './staff.js';

/** What the agency's route modules are given. */
export interface AgencyDependencies {
  db: Kysely<Database>;
  /** The report queue (the audit trail's export), and a wake-up call for this instance's runner. */
  reports: { settings: ReportQueueSettings; notify?: () => void };
  clock?: () => Date;
}

export function requireAgency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (staffScope(c).kind !== 'agency') throw new HTTPException(404);
    await next();
  };
}

export function requireAgencyAdministrator(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = staffScope(c);
    if (scope.kind !== 'agency' || scope.administrator !== true) throw new HTTPException(404);
    await next();
  };
}

/** Whether the signed-in agency user may manage staff (the overview shows the link only to them). */
export function isAgencyAdministrator(c: Context<AppEnv>): boolean {
  const scope = staffScope(c);
  return scope.kind === 'agency' && scope.administrator === true;
}

/** The signed-in agency user, as the two-person rule and the audit log know them. */
export function agencyActor(c: Context<AppEnv>): AgencyActor {
  return { userId: staffUser(c).userId, actor: staffActor(c) };
}
