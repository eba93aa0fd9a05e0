/**
 * The agency's results-day page (/staff/agency/results-day): this instance's figures over the last minute, as a
 * table of two columns (what, and how much), each figure with a line on what it means. The table is a fragment
 * htmx fetches again every five seconds; without JavaScript the "Refresh" link reloads the page.
 */
import { html } from 'hono/html';
import { rigaParts, formatRigaDateTime } from '../src/domain/riga-time.js';
import { agencyBackLink } from './agency-overview.js';
import { layout, type PageContext } from './layout.js';

/** The results-day page's figures: this instance over the last minute, the waiting line of the whole portal. */
export interface ResultsDayFigures {
  at: Date;
  signInsPerMinute: number;
  signInFailuresPerMinute: number;
  pagesPerSecond: number;
  /** Upper bound (ms) of the 99th percentile of the last minute's requests; undefined without requests. */
  p99Ms: number | undefined;
  errorsPerMinute: number;
  refusedPerMinute: number;
  waiting: number;
  inFlight: number;
  eventLoopDelayMs: number;
  maxLagMs: number | undefined;
  queues: { sealing: number; reports: number; issuance: number };
}

export const RESULTS_DAY_PATH = '/staff/agency/results-day';

function clock(at: Date): string {
  return `${formatRigaDateTime(at)}:${String(rigaParts(at).second).padStart(2, '0')}`;
}

/** The figures table alone: the page embeds it and htmx replaces it with a fresh one every five seconds. */
export function resultsDayFigures(page: PageContext, figures: ResultsDayFigures) {
  const { t, lang } = page;
  const number = new Intl.NumberFormat(lang === 'lv' ? 'lv-LV' : 'en-GB', { maximumFractionDigits: 1 });
  const row = (key: string, value: string, hint: string = t(`resultsDay.${key}Hint`)) =>
    html`<tr><th scope="row">${t(`resultsDay.${key}`)}<span class="hint">${hint}</span></th><td id="figure-${key}">${value}</td></tr>`;
  return html`<div id="results-day-figures" hx-get="${RESULTS_DAY_PATH}?part=figures" hx-trigger="every 5s" hx-swap="outerHTML">
<div class="table-scroll" role="region" aria-labelledby="figures-caption" tabindex="0">
<table class="results-day">
<caption id="figures-caption">${t('resultsDay.caption', { at: clock(figures.at) })}</caption>
<thead><tr><th scope="col">${t('resultsDay.col.figure')}</th><th scope="col">${t('resultsDay.col.value')}</th></tr></thead>
<tbody>
${row('signIns', number.format(figures.signInsPerMinute))}
${row('signInFailures', number.format(figures.signInFailuresPerMinute))}
${row('pages', number.format(figures.pagesPerSecond))}
${row('p99', figures.p99Ms === undefined ? t('resultsDay.none') : t('resultsDay.p99Value', { ms: number.format(figures.p99Ms) }))}
${row('errors', number.format(figures.errorsPerMinute))}
${row('waiting', number.format(figures.waiting))}
${row('refused', number.format(figures.refusedPerMinute))}
${row('inFlight', number.format(figures.inFlight))}
${row(
  'lag',
  t('resultsDay.lagValue', { ms: number.format(figures.eventLoopDelayMs) }),
  figures.maxLagMs === undefined ? '' : t('resultsDay.lagHint', { bound: number.format(figures.maxLagMs) }),
)}
${row('queue', t('resultsDay.queueValue', { sealing: number.format(figures.queues.sealing), reports: number.format(figures.queues.reports), issuance: number.format(figures.queues.issuance) }))}
</tbody>
</table>
</div>
</div>`;
}

export function resultsDayPage(page: PageContext, figures: ResultsDayFigures) {
  const { t } = page;
  return layout(
    page,
    t('resultsDay.title'),
    html`${agencyBackLink(page)}
<h1>${t('resultsDay.title')}</h1>
<p>${t('resultsDay.intro')}</p>
<p><a href="${RESULTS_DAY_PATH}">${t('resultsDay.refresh')}</a></p>
${resultsDayFigures(page, figures)}
<p class="hint">${t('resultsDay.metrics')}</p>`,
    { htmx: true },
  );
}
