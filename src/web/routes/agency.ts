/**
 * The agency's workspace, mounted at /staff/agency inside the staff pages (routes/staff.ts: sign-in, body cap
 * and CSRF check). Everything here answers 404 to anyone but agency staff; each workflow is a module of its own.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../context.js';
import { requireAgency, type AgencyDependencies } from '../agency-access.js';
import { agencyAnnulmentRoutes } from './agency-annulments.js';
import { agencyAuditRoutes } from './agency-audit.js';
import { agencyOverviewRoutes } from './agency-overview.js';
import { agencyStaffRoutes } from './agency-staff.js';

export function agencyRoutes(deps: AgencyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireAgency());
  app.route('/', agencyOverviewRoutes(deps));
  app.route('/annulments', agencyAnnulmentRoutes(deps));
  app.route('/staff', agencyStaffRoutes(deps));
  app.route('/audit', agencyAuditRoutes(deps));
  return app;
}
