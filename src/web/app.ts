/** The portal's HTTP application: middleware and routes. Pages are rendered by components in views/. */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { errorPage } from '../../views/error.js';
import { homePage } from '../../views/home.js';
import { LOBBY_KEEP_ALIVE_PATH } from '../../views/results.js';
import type { AuthDependencies } from '../auth/setup.js';
import type { EserviceDependencies } from '../eservice/setup.js';
import type { Logger } from '../log.js';
import { loadAssets, type Assets } from './assets.js';
import { pageContext, provideAssets, type AppEnv } from './context.js';
import { language } from './language.js';
import { verification, verifyRoutes } from './routes/verify.js';
import { PUBLIC_API_PATHS, publicApiHeaders, verifyApiRoutes } from './routes/verify-api.js';
import { trustedProxies as trustedProxyList } from '../net/trusted-proxies.js';
import { balticOnly, balticVisitor, isGeoGuardedPath } from './geo.js';
import { defaultCountryDatabase, type CountryDatabase } from '../net/country-database.js';
import { manualRefreshSwitch, overloadGuard } from './overload.js';
import { PortalMetrics, type MetricsSources } from './metrics.js';
import type { WaitingRoom } from './waiting-room.js';
import { DEFAULT_LOBBY, studentRoutes, type StudentDependencies } from './routes/student.js';
import { applyRoutes } from './routes/apply.js';
import { shareRoutes } from './routes/share.js';
import { authRoutes } from './routes/auth.js';
import { infoRoutes } from './routes/info.js';
import { announcedReleases } from '../data/release.js';
import { ForbiddenError, sessionMiddleware } from './session.js';
import { forbiddenPage } from '../../views/login.js';
import { PoolBusyError } from '../sealing/pool.js';
import type { TrustAnchors } from '../sealing/verify.js';
import { sendHtml, sendSharedHtml } from './respond.js';
import { completeAnswers, prepareHeader } from './response-headers.js';
import type { EdocVerifier } from '../data/verification.js';
import { staffRoutes, type StaffDependencies } from './routes/staff.js';
import { staffAuthRoutes } from './routes/staff-auth.js';
import { ESERVICE_PREFIX, eserviceFraming, eserviceRoutes } from './routes/eservice.js';
import type { ServiceContact } from '../config.js';
import { noticeRoutes } from './routes/notices.js';

export interface AppDependencies {
  db: Kysely<Database>;
  log: Logger;
  assets?: Assets;
  /** Cookies only over HTTPS: true in production, where TLS ends at the proxy in front. */
  secureCookies?: boolean;
  /** Trust anchors for public verification; without them /verify is not offered. */
  trust?: TrustAnchors;
  /** Checks uploaded certificates off the HTTP thread (main.ts: the verification pool); see VerifyDependencies. */
  verifyUpload?: EdocVerifier;
  /** PUBLIC_URL, named as the server in the verification API's OpenAPI document. */
  publicUrl?: string;
  /** TRUSTED_PROXIES: addresses and CIDR ranges whose X-Forwarded-For is believed (default none). */
  trustedProxies?: readonly string[];
  /** Loopback and private addresses pass the Baltic-only filter (default: unless NODE_ENV=production). */
  allowPrivateAddresses?: boolean;
  /** The country data for the Baltic-only pages (GEOIP_DB_FILE; default: the shipped database, not watched). */
  geo?: CountryDatabase;
  /**
   * OVERLOAD_MAX_LAG_MS and OVERLOAD_MAX_IN_FLIGHT (config defaults 200 ms and 1000); main.ts always passes them.
   * Absent: no overload refusals (tests that do heavy set-up work would otherwise meet 503s).
   */
  overload?: { maxLagMs: number; maxInFlight: number; waitingRoom?: WaitingRoom };
  /**
   * `/metrics` for Prometheus when a METRICS_TOKEN is set, and what it reports besides the requests (queues, the
   * database pool). The agency's results-day page shows the same figures in any case.
   */
  metrics?: { token?: string; sources?: Omit<MetricsSources, 'db'> };
  /** The student pages: how to require a signed-in student, and how to seal on demand. */
  student?: Omit<StudentDependencies, 'db'>;
  /** Sign-in (E-klase, Mykoob, demo) and web sessions; without it nobody can sign in. */
  auth?: AuthDependencies;
  /** The school and agency staff pages (they need `auth` for sign-in). */
  staff?: StaffDependencies;
  /** The Latvija.lv e-service's embedded certificate list, downloads, paper requests and API. */
  eservice?: EserviceDependencies;
  /** The agency's help route shown on every page (SUPPORT_* settings; default: development placeholders). */
  contact?: ServiceContact;
  /** The time the home page announces release moments against (default: the real clock). */
  clock?: () => Date;
  /** "Your results are available" e-mails: the sender to wake; absent, the notice pages say they are not offered. */
  notices?: { sender?: { notify(): void }; clock?: () => Date };
}

function safePathname(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const assets = deps.assets ?? loadAssets();
  const app = new Hono<AppEnv>();
  const trustedProxies = trustedProxyList(deps.trustedProxies);

  // Before anything that may end in a page: every page, an error page too, links the static files.
  app.use(provideAssets(assets, deps.contact));
  // Then, before any real work: on results day, refuse new requests at once with a light 503 rather than let them
  // all time out.
  const metrics = new PortalMetrics({ db: deps.db, ...deps.metrics?.sources, processMetrics: deps.metrics?.token !== undefined });
  app.use(metrics.middleware());
  if (deps.overload) {
    const guard = overloadGuard({ ...deps.overload, log: deps.log, contact: deps.contact, onRefused: (reason) => metrics.countRefusal(reason) });
    metrics.watch(guard, deps.overload.waitingRoom, deps.overload.maxLagMs);
    app.use(guard.middleware);
  }
  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    await next();
    // On results day every student opens the results page again and again: a line (and a write) for each
    // successful one cost a tenth of the page's time, so those are debug lines; a failed one is still written.
    // The lobby's keep-alive likewise.
    const routine = c.res.status < 400 && ((c.req.method === 'GET' && c.req.path === '/results') || c.req.path === LOBBY_KEEP_ALIVE_PATH);
    const level = routine ? 'debug' : 'info';
    if (!deps.log.enabled(level)) return;
    const url = new URL(c.req.url);
    deps.log[level]('request', {
      id: requestId,
      method: c.req.method,
      // Query values may hold anything a visitor typed (a personal code, say): only their names are logged.
      path: safePathname(url),
      query: [...new Set(url.searchParams.keys())],
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  // The e-service's embed pages replace frame-ancestors 'none' and X-Frame-Options (runs after completeAnswers).
  if (deps.eservice) app.use(`${ESERVICE_PREFIX}*`, eserviceFraming(deps.eservice.origins));
  // The verification API is open to any web page (CORS), and answers preflights before anything else runs.
  if (deps.trust) {
    // Mounted on those paths only: every other request skips it (results day counts each middleware).
    const apiHeaders = publicApiHeaders();
    for (const path of PUBLIC_API_PATHS) app.use(path, apiHeaders);
  }
  app.use(completeAnswers());
  app.use(language({ secureCookie: deps.secureCookies ?? false }));
  // The student pages only from Latvia, Lithuania and Estonia (see GEO_GUARDED_PREFIXES in geo.ts).
  const countries = deps.geo ?? defaultCountryDatabase();
  const geoOptions = {
    trustedProxies,
    allowPrivateAddresses: deps.allowPrivateAddresses ?? process.env.NODE_ENV !== 'production',
    database: countries,
  };
  const geo = balticOnly({ ...geoOptions, css: assets.url('app.css'), contact: deps.contact });
  const fromBalticStates = balticVisitor(geoOptions);
  app.use((c, next) => {
    // Every page's footer credits the geo data, as its licence asks (read per request: a reload may change it).
    const credit = countries.attribution();
    if (credit) c.set('geoAttribution', credit);
    return isGeoGuardedPath(c.req.path) ? geo(c, next) : next();
  });
  if (deps.auth) {
    // Sets c.var.signedIn from the session cookie; static files and health checks need no database read.
    const session = sessionMiddleware({ store: deps.auth.sessions, secureCookies: deps.secureCookies ?? false });
    app.use((c, next) => (c.req.path.startsWith('/static/') || c.req.path === '/healthz' || c.req.path === '/metrics' ? next() : session(c, next)));
  }

  app.get('/healthz', async (c) => {
    // Old geo data is a detail, not a failure: every instance reads the same file, so failing the check would take
    // the whole portal out of the balancer over a missed monthly update that still places nearly every address.
    const { builtAt, ageDays, maxAgeDays, stale } = countries.status();
    const geoDetail = { builtAt, ageDays, maxAgeDays, stale };
    try {
      await sql`select 1`.execute(deps.db);
      return c.json({ status: 'ok', geo: geoDetail }, 200, { 'Cache-Control': 'no-store' });
    } catch (error) {
      deps.log.error('health check failed', { error });
      return c.json({ status: 'unavailable', geo: geoDetail }, 503, { 'Cache-Control': 'no-store' });
    }
  });

  // For a scraper with the token only; anyone else gets the ordinary 404.
  app.get('/metrics', metrics.endpoint(deps.metrics?.token));
  const waitingRoom = deps.overload?.waitingRoom;
  if (waitingRoom) app.get('/waiting/manual', manualRefreshSwitch(waitingRoom.secureCookies));

  app.get('/static/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    const gzip = /\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '');
    return c.body((gzip ? asset.gzip : asset.body) as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
  });

  const clock = deps.clock ?? (() => new Date());
  app.get('/', async (c) => {
    // The home page opens from anywhere; visitors from abroad learn before "sign in" that it would be refused.
    const releases = await announcedReleases(deps.db, clock());
    // "Sign in from 08:00" only where the student pages, and so the lobby, are offered.
    const lobbyMs = deps.student ? (deps.student.lobby ?? DEFAULT_LOBBY).lobbyMs : 0;
    // The same for everyone not signed in, and for many at once on results day: its compressed bytes are kept.
    return sendSharedHtml(c, homePage(pageContext(c), { releases, now: clock(), abroad: !fromBalticStates(c), lobbyMs }));
  });
  app.route(
    '/',
    infoRoutes({
      secureCookies: deps.secureCookies ?? false,
      sessionIdleMinutes: deps.auth ? deps.auth.sessions.idleMs / 60_000 : undefined,
      reportRetentionDays: deps.staff?.reports.settings.retentionDays,
    }),
  );
  if (deps.trust) {
    // The page and the API share one set of checks and limits.
    const verifyDeps = { db: deps.db, trust: deps.trust, verify: deps.verifyUpload, trustedProxies };
    const checks = verification(verifyDeps);
    app.route('/verify', verifyRoutes(verifyDeps, checks));
    app.route('/', verifyApiRoutes(checks, { publicUrl: deps.publicUrl }));
  }
  if (deps.student) {
    app.route('/', studentRoutes({ db: deps.db, ...deps.student }));
    app.route('/apply', applyRoutes({ db: deps.db, ...deps.student }));
    // The holder's share links and access history, and the links' pages for recipients anywhere (not geo-guarded).
    app.route('/', shareRoutes({ db: deps.db, ...deps.student, publicUrl: deps.publicUrl, trustedProxies }));
  }
  if (deps.auth) app.route('/', authRoutes({ ...deps.auth, db: deps.db, log: deps.log, secureCookies: deps.secureCookies ?? false }));
  if (deps.auth && deps.staff) {
    // The sign-in first, outside the guard of the staff pages (see routes/staff.ts).
    app.route('/staff', staffAuthRoutes({ ...deps.auth, db: deps.db, log: deps.log, secureCookies: deps.secureCookies ?? false }));
    app.route('/staff', staffRoutes({ db: deps.db, ...deps.staff, resultsDay: (at) => metrics.figures(at) }));
  }
  // The notice pages: the student's under /results (Baltic-only), the e-service's, and the links in the messages.
  app.route(
    '/',
    noticeRoutes({
      db: deps.db,
      ...deps.notices,
      ...(deps.student ? { requireStudent: deps.student.requireStudent } : {}),
      ...(deps.eservice ? { eservice: { publicUrl: deps.eservice.publicUrl } } : {}),
    }),
  );
  // The e-service is not geo-guarded: it serves Latvians abroad too.
  if (deps.eservice) app.route('/', eserviceRoutes({ db: deps.db, log: deps.log, ...deps.eservice }));

  app.notFound((c) => sendHtml(c, errorPage(pageContext(c as Context<AppEnv>), 404), 404));
  app.onError((error, c) => {
    const requestId = (c as Context<AppEnv>).get('requestId');
    // A refusal that brings its own answer (the e-service's embed pages and JSON).
    if (error instanceof HTTPException && error.res) return error.res;
    const page = pageContext(c as Context<AppEnv>);
    if (error instanceof HTTPException && (error.status === 400 || error.status === 413 || error.status === 404)) {
      return sendHtml(c, errorPage(page, error.status), error.status);
    }
    if (error instanceof ForbiddenError) {
      // A form without its CSRF token, or posted from another site.
      deps.log.warn('request refused', { id: requestId, reason: error.reason });
      return sendHtml(c, forbiddenPage(page), 403);
    }
    if (error instanceof PoolBusyError) {
      // The sealing queue is full: say so at once, and when to come back, rather than hold the request.
      prepareHeader(c, 'Retry-After', String(error.retryAfterSeconds));
      return sendHtml(c, errorPage(page, 503), 503);
    }
    deps.log.error('unhandled error', { id: requestId, error });
    return sendHtml(c, errorPage(page, 500, requestId), 500);
  });
  return app;
}
