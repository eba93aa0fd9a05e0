/**
 * The school and agency staff pages, mounted at /staff: exam sessions (staff-sessions.ts), reports
 * (staff-reports.ts), the agency's paper copies (agency-paper-requests.ts) and the agency's workspace under /staff/agency:
 * exams and calendar, score files, issuance (agency-exams.ts, agency-scores.ts, agency-issuance.ts), and roles, staff,
 * annulments, the audit trail and the overview (agency.ts). The guard stands here once for all
 * of them: only signed-in staff with a role get through (others are sent to the staff sign-in), a body is a small
 * form, and whatever changes state carries the session's CSRF token.
 *
 * The staff sign-in (/staff/login, staff-auth.ts) shares the prefix but must stay open. The application mounts it
 * before this app: hono runs handlers in the order they were added, and a sign-in route answers without calling
 * the next, so the guard below never runs for it.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { ReportQueueSettings } from '../../data/report-jobs.js';
import type { Sealer } from '../../data/sealing.js';
import type { AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import { csrfProtection } from '../session.js';
import { requireStaff, staffScope } from '../staff.js';
import { agencyApplicationWindowRoutes } from './agency-application-windows.js';
import { agencyExamRoutes } from './agency-exams.js';
import { agencyIssuanceRoutes } from './agency-issuance.js';
import { agencyScoreRoutes, SCORE_UPLOAD_PATH, scoreUploadLimit } from './agency-scores.js';
import { agencyPaperRequestRoutes } from './agency-paper-requests.js';
import { agencyRoutes } from './agency.js';
import { agencyResultsDayRoutes } from './agency-results-day.js';
import type { ResultsDayFigures } from '../../../views/results-day.js';
import { staffReportRoutes } from './staff-reports.js';
import { staffSessionRoutes } from './staff-sessions.js';
import { agencyApplicationRoutes } from './agency-applications.js';
import { CLASS_LIST_UPLOAD_PATH, staffApplicationRoutes } from './staff-applications.js';

export interface StaffDependencies {
  /** Seals a certificate that has no document yet (bulk downloads). */
  seal?: Sealer;
  /** The report queue's settings, and a wake-up call for this instance's runner when a job is queued. */
  reports: { settings: ReportQueueSettings; notify?: () => void };
  /** A wake-up call for this instance's issuance runner when a job is queued. */
  issuance?: { notify?: () => void };
  clock?: () => Date;
}

export interface StaffRouteDependencies extends StaffDependencies {
  db: Kysely<Database>;
  /** The live figures of the agency's results-day page (src/web/metrics.ts). */
  resultsDay?: (at: Date) => Promise<ResultsDayFigures>;
}

/** The staff forms: a few fields and choices, never a file. */
export const STAFF_FORM_BYTES = 16 * 1024;

export function staffRoutes(deps: StaffRouteDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const formLimit: MiddlewareHandler<AppEnv> = limitBody(STAFF_FORM_BYTES);
  const uploadLimit = scoreUploadLimit();
  // The size cap comes before the CSRF check, which reads the form. Only agency staff may send a score file, only
  // an institution's staff a class list.
  const limitStaffBody: MiddlewareHandler<AppEnv> = (c, next) => {
    const upload =
      (c.req.path === SCORE_UPLOAD_PATH && staffScope(c).kind === 'agency') || (c.req.path === CLASS_LIST_UPLOAD_PATH && staffScope(c).kind === 'school');
    return (upload ? uploadLimit : formLimit)(c, next);
  };
  app.use('*', requireStaff(deps.db), limitStaffBody, csrfProtection());
  app.route('/sessions', staffSessionRoutes({ db: deps.db, seal: deps.seal, clock: deps.clock }));
  app.route('/reports', staffReportRoutes({ db: deps.db, ...deps.reports, clock: deps.clock }));
  app.route('/paper-requests', agencyPaperRequestRoutes({ db: deps.db, reports: deps.reports, clock: deps.clock }));
  app.route('/agency/applications/windows', agencyApplicationWindowRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/applications', staffApplicationRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/agency/applications', agencyApplicationRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/agency/exams', agencyExamRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/agency/scores', agencyScoreRoutes({ db: deps.db, clock: deps.clock }));
  app.route('/agency/issuance', agencyIssuanceRoutes({ db: deps.db, notify: deps.issuance?.notify, clock: deps.clock }));
  if (deps.resultsDay) app.route('/agency/results-day', agencyResultsDayRoutes({ figures: deps.resultsDay, clock: deps.clock }));
  app.route('/agency', agencyRoutes(deps));
  return app;
}
