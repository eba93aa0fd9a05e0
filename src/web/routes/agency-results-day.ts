/**
 * The agency's results-day page, `GET /staff/agency/results-day`: this instance's live figures (sign-ins per
 * minute, pages per second, p99, errors, the waiting line, queues) for the people on duty who do not run Grafana.
 * htmx fetches the table again every five seconds (`?part=figures`); without JavaScript a link reloads the page.
 * Agency staff only: anyone else gets 404.
 */
import { Hono } from 'hono';
import { resultsDayFigures, resultsDayPage } from '../../../views/results-day.js';
import { requireAgency } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import type { ResultsDayFigures } from '../../../views/results-day.js';
import { sendHtml } from '../respond.js';

export interface ResultsDayDependencies {
  figures: (at: Date) => Promise<ResultsDayFigures>;
  clock?: () => Date;
}

export function agencyResultsDayRoutes(deps: ResultsDayDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireAgency());
  app.get('/', async (c) => {
    const figures = await deps.figures(deps.clock?.() ?? new Date());
    const page = pageContext(c);
    if (c.req.query('part') === 'figures') return sendHtml(c, resultsDayFigures(page, figures));
    return sendHtml(c, resultsDayPage(page, figures));
  });
  return app;
}
