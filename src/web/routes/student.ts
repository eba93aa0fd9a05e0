/** The student pages: results of exams taken, certificate downloads and viewing copies for their holder only. */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { edocHelpPage, LOBBY_KEEP_ALIVE_PATH, LOBBY_REFRESH_OFF, resultsPage } from '../../../views/results.js';
import { audit } from '../../data/audit.js';
import type { Sealer } from '../../data/sealing.js';
import { holderCertificate, resultsVersion, studentResults } from '../../data/student-results.js';
import { lobbyMoment, lobbyTiming, resultsTimeState, spreadOffsetMs, type LobbySettings } from '../../domain/lobby.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { pageContext, requestPath, type AppEnv } from '../context.js';
import { documentFor, sendEdoc, sendViewingCopy, viewingCopyFileName, viewingCopyOf } from '../edoc.js';
import { sendGzippedHtml, sendHtml } from '../respond.js';
import { keptPageKey, ResultsPageCache, withTokenGap, type CachedPage } from '../results-cache.js';
import { csrfProtection, signedInStudent } from '../session.js';
import { signedInActor } from '../signed-in.js';

export interface StudentDependencies {
  db: Kysely<Database>;
  /** Lets only signed-in students through (and sends others to sign in). */
  requireStudent: MiddlewareHandler<AppEnv>;
  /** Seals a certificate that has no document yet, in the worker pool. */
  seal?: Sealer;
  clock?: () => Date;
  /** The lobby before a release moment (LOBBY_MINUTES, LOBBY_SPREAD_SECONDS; keep-alive from SESSION_IDLE_MINUTES). */
  lobby?: LobbySettings;
  /** Rendered results pages kept until their data changes (RESULTS_CACHE_MB); absent: a 64 MB one. */
  cache?: ResultsPageCache;
}

export const DEFAULT_LOBBY: LobbySettings = { lobbyMs: 60 * 60_000, spreadMs: 60_000, keepAliveMs: 15 * 60_000 };

const encoder = new TextEncoder();

/** A kept results page, with this session's token in its sign-out form. */
function sendKeptPage(c: Context<AppEnv>, page: CachedPage, csrfToken: string): Response {
  return sendGzippedHtml(c, ResultsPageCache.gzipFor(page, csrfToken), () => ResultsPageCache.identityFor(page, csrfToken));
}

export function studentRoutes(deps: StudentDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  const lobby = deps.lobby ?? DEFAULT_LOBBY;
  const cache = deps.cache ?? new ResultsPageCache(64 * 1024 * 1024);

  app.get('/results', deps.requireStudent, async (c) => {
    const student = signedInStudent(c);
    const now = clock();
    const lang = c.get('lang');
    const timeState = (moments: readonly number[]) => resultsTimeState(moments, now, lobby.lobbyMs);
    // The version first (with the session, in the same query, or else on its own): a page rendered from data
    // read after it is never older than what it is kept under.
    const version = student.resultsVersion ?? (await resultsVersion(deps.db, student.personId));
    // Kept pages are found without building a page's context: on results day nearly every request is one.
    const key =
      version === undefined || !ResultsPageCache.fits(student.csrfToken)
        ? undefined
        : keptPageKey(version, { name: student.displayName, path: requestPath(c), geoAttribution: c.get('geoAttribution') });
    const kept = key === undefined ? undefined : cache.get(student.personId, lang, key, timeState);
    if (kept) return sendKeptPage(c, kept, student.csrfToken);

    const { gender, results, moments } = await studentResults(deps.db, student.personId, now);
    const page = pageContext(c);
    const pending = results.flatMap((r) => (r.state.kind === 'pending' ? [r.state.releaseAt.getTime()] : []));
    const moment = lobbyMoment(pending, now, lobby.lobbyMs);
    if (moment !== undefined) {
      // The lobby is rendered for every request (its time left and refresh are of this moment) and never kept.
      const opensAt = moment + spreadOffsetMs(student.personId, moment, lobby.spreadMs);
      const view = {
        moment,
        secondsLeft: Math.ceil((moment - now.getTime()) / 1000),
        spreadSeconds: Math.floor(lobby.spreadMs / 1000),
        script: c.get('assets').url('lobby.js'),
        // The student may turn opening by itself off (WCAG 2.2.1); the page then says to reload after the moment.
        ...(c.req.query('refresh') === LOBBY_REFRESH_OFF ? {} : { opening: lobbyTiming(now, opensAt, lobby.keepAliveMs) }),
      };
      return sendHtml(c, resultsPage(page, results, gender, view));
    }
    if (key === undefined) return sendHtml(c, resultsPage(page, results, gender));
    const body = encoder.encode(String(await resultsPage(withTokenGap(page), results, gender)));
    return sendKeptPage(c, cache.put(student.personId, lang, { version: key, moments, timeState: timeState(moments), body }), student.csrfToken);
  });

  // The lobby's script asks this while it waits, so its sign-in does not idle out and the page is not reloaded under
  // a reader: reading the session on the way in moves its idle deadline. It reads nothing else and answers nothing.
  // A POST: it changes the session, and a form post is never put in the waiting room's line.
  app.post(LOBBY_KEEP_ALIVE_PATH, deps.requireStudent, csrfProtection(), (c) => c.body(null, 204, { 'Cache-Control': 'no-store' }));

  // What an .edoc is and how to open it: linked beside every download, readable without signing in.
  app.get('/help/edoc', (c) => sendHtml(c, edocHelpPage(pageContext(c))));

  // The sealed document (.edoc) to save, or a copy of its PDF to look at (.pdf), for its holder only.
  app.get('/certificates/:file', deps.requireStudent, async (c) => {
    const student = signedInStudent(c);
    const match = /^(.+)\.(edoc|pdf)$/.exec(c.req.param('file'));
    const parsed = match ? parseCertificateNumber(match[1]!) : undefined;
    // Anything but the holder's own released, valid certificate is "not found": a number's existence stays secret.
    if (!match || !parsed) return c.notFound();
    const viewingCopy = match[2] === 'pdf';
    const number = buildCertificateNumber(parsed);
    const certificate = await holderCertificate(deps.db, student.personId, number, clock());
    if (!certificate) return c.notFound();
    const actor = signedInActor(student);
    const document = certificate.document ?? (await documentFor(deps.db, certificate.certificateId, { seal: deps.seal, actor, channel: 'student' }));
    if (!document) return c.notFound();
    const pdf = viewingCopy ? viewingCopyOf(document) : undefined;
    if (viewingCopy && !pdf) return c.notFound();
    await audit(deps.db, {
      actor,
      channel: 'student',
      action: viewingCopy ? 'certificate.view-pdf' : 'certificate.download',
      subject: `certificate:${number}`,
      details: { provider: student.provider },
    });
    // Personal: only the holder's own browser keeps it, and only for the one signed in (a school computer is shared).
    // It asks again each time (a 304 while the version is the same): an upgraded version replaces it.
    const caching = { 'Cache-Control': 'private, no-cache', Vary: 'Cookie' };
    if (pdf) return sendViewingCopy(c, document, pdf, viewingCopyFileName(number, pageContext(c).lang), caching);
    return sendEdoc(c, document, number, caching);
  });

  return app;
}
