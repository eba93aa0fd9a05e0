/**
 * The agency's home, `GET /staff/agency`: per exam session of the chosen school year (`?year=`, the newest by
 * default) how far the work has come, and the links to every workflow.
 */
import { Hono } from 'hono';
import { agencyOverviewPage } from '../../../views/agency-overview.js';
import { overviewYears, sessionProgress } from '../../data/agency-overview.js';
import { listAnnulmentRequests } from '../../data/annulment-requests.js';
import { isAgencyAdministrator, type AgencyDependencies } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import { wholeNumber } from '../forms.js';
import { sendHtml } from '../respond.js';

export function agencyOverviewRoutes(deps: AgencyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const years = await overviewYears(deps.db);
    const asked = wholeNumber(c.req.query('year'));
    const year = asked !== undefined && years.includes(asked) ? asked : years[0];
    const sessions = year === undefined ? [] : await sessionProgress(deps.db, year);
    const pendingAnnulments = (await listAnnulmentRequests(deps.db, 'pending')).length;
    return sendHtml(c, agencyOverviewPage(pageContext(c), { years, year, sessions, pendingAnnulments, administrator: isAgencyAdministrator(c) }));
  });
  return app;
}
