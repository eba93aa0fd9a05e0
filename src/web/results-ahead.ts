/**
 * Results pages rendered ahead: in the hour before a release moment (and for a few hours after it, for an instance
 * that starts late) each instance renders the results page of every student with an exam released at that moment,
 * in Latvian, and keeps it (./results-cache.ts). When the moment comes, a student's first page after signing in
 * is then a kept page, as a reload is: on results day that first page is most of what the portal renders.
 *
 * Nothing is shown early: a page rendered as of the moment is served only once time alone would render it the same
 * (resultsTimeState), which is never before the moment. Nor is anything stale: a change to a student's data (an
 * annulment, a re-import) moves their version, and the kept page is then rendered anew on their next visit.
 *
 * The work is done in short turns, letting requests in between, and never fills the cache past its cap: a page
 * rendered ahead must not push out one that a student is using.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { resultsPage } from '../../views/results.js';
import type { ServiceContact } from '../config.js';
import { releaseMoments } from '../data/release.js';
import { personsWithResultsAt, resultsVersion, studentResults } from '../data/student-results.js';
import { lobbyMoment, renderAheadMoments, resultsTimeState } from '../domain/lobby.js';
import { DEFAULT_LANGUAGE } from '../i18n.js';
import type { Logger } from '../log.js';
import type { GeoAttribution } from '../net/country-database.js';
import type { Assets } from './assets.js';
import { pageContextOf } from './context.js';
import { keptPageKey, withTokenGap, type ResultsPageCache } from './results-cache.js';

export interface ResultsAheadOptions {
  db: Kysely<Database>;
  cache: ResultsPageCache;
  /** LOBBY_MINUTES, for the pages' time state (as the results route has it). */
  lobbyMs: number;
  assets: Assets;
  contact: ServiceContact | undefined;
  /** The geo data's credit, as every page's footer has it at the time. */
  geoAttribution: () => GeoAttribution | undefined;
  log: Logger;
  clock?: () => Date;
}

/** The path a student lands on after signing in; a page is kept for the path it was asked at. */
const RESULTS_PATH = '/results';
/** Students read from the register at a time. */
const PEOPLE_AT_ONCE = 500;
/** The longest one turn holds the event loop before letting requests in. */
const TURN_MS = 10;

const encoder = new TextEncoder();

export class ResultsAhead {
  /** For each release moment, the last person id rendered: a turn goes on from there. */
  private readonly reached = new Map<string, number>();
  private readonly clock: () => Date;

  constructor(private readonly options: ResultsAheadOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Renders ahead what is due now and not rendered yet; returns how many pages it kept. */
  async run(signal?: AbortSignal): Promise<number> {
    const { db, cache, log } = this.options;
    const stored = await releaseMoments(db);
    const due = renderAheadMoments(
      stored.map((moment) => Date.parse(moment)),
      this.clock(),
    );
    let kept = 0;
    for (const { moment, asOf } of due) {
      const storedMoment = stored.find((value) => Date.parse(value) === moment)!;
      const started = performance.now();
      let keptForMoment = 0;
      for (;;) {
        const after = this.reached.get(storedMoment) ?? 0;
        const people = await personsWithResultsAt(db, storedMoment, after, PEOPLE_AT_ONCE);
        if (people.length === 0) break;
        let turnStarted = performance.now();
        for (const person of people) {
          if (signal?.aborted) return kept;
          // Full: what is kept already stays; the rest are rendered on their first visit.
          if (cache.bytesKept >= cache.maxBytes * 0.9) {
            log.info('results pages rendered ahead until the cache was full', { moment: storedMoment, pages: keptForMoment, cacheBytes: cache.bytesKept });
            return kept + keptForMoment;
          }
          if (await this.render(person, asOf)) keptForMoment++;
          this.reached.set(storedMoment, person.personId);
          if (performance.now() - turnStarted > TURN_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            turnStarted = performance.now();
          }
        }
      }
      if (keptForMoment > 0)
        log.info('results pages rendered ahead', { moment: storedMoment, pages: keptForMoment, ms: Math.round(performance.now() - started) });
      kept += keptForMoment;
    }
    return kept;
  }

  /** Renders and keeps one student's page as of `asOf`, as the results route would render it then. */
  private async render(person: { personId: number; displayName: string }, asOf: Date): Promise<boolean> {
    const { db, cache, lobbyMs } = this.options;
    // The version first, as the route reads it: a page rendered from data read after it is never older.
    const version = await resultsVersion(db, person.personId);
    if (version === undefined) return false;
    const { gender, results, moments } = await studentResults(db, person.personId, asOf);
    const pending = results.flatMap((r) => (r.state.kind === 'pending' ? [r.state.releaseAt.getTime()] : []));
    // Waiting for another moment at that time: the lobby, which is never kept.
    if (lobbyMoment(pending, asOf, lobbyMs) !== undefined) return false;
    const page = pageContextOf({
      lang: DEFAULT_LANGUAGE,
      path: RESULTS_PATH,
      assets: this.options.assets,
      contact: this.options.contact,
      geoAttribution: this.options.geoAttribution(),
      user: { name: person.displayName, csrfToken: '', kind: 'student', agency: false },
    });
    const body = encoder.encode(String(await resultsPage(withTokenGap(page), results, gender)));
    cache.put(person.personId, DEFAULT_LANGUAGE, {
      version: keptPageKey(version, { name: person.displayName, path: RESULTS_PATH, geoAttribution: page.geoAttribution }),
      moments,
      timeState: resultsTimeState(moments, asOf, lobbyMs),
      body,
    });
    return true;
  }
}
