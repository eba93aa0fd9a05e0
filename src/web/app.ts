/** The portal's HTTP application: middleware and routes. Pages are rendered by components in views/. */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { errorPage } from '../../views/error.js';
import { homePage } from '../../views/home.js';
import type { PageContext } from '../../views/layout.js';
import { DEFAULT_LANGUAGE, translator } from '../i18n.js';
import type { Logger } from '../log.js';
import { loadAssets, type Assets } from './assets.js';
import { language, type LanguageVariables } from './language.js';
import type { SessionVariables } from './session-types.js';
import { verifyRoutes } from './routes/verify.js';
import { studentRoutes, type StudentDependencies } from './routes/student.js';
import { PoolBusyError } from '../sealing/pool.js';
import type { TrustAnchors } from '../sealing/verify.js';

export interface AppDependencies {
  db: Kysely<Database>;
  log: Logger;
  assets?: Assets;
  /** Cookies only over HTTPS: true in production, where TLS ends at the proxy in front. */
  secureCookies?: boolean;
  /** Trust anchors for public verification; without them /verify is not offered. */
  trust?: TrustAnchors;
  /** The student pages: how to require a signed-in student, and how to seal on demand. */
  student?: Omit<StudentDependencies, 'db' | 'assets'>;
}

export type AppEnv = { Variables: LanguageVariables & SessionVariables & { requestId: string } };

export function pageContext(c: Context<AppEnv>, assets: Assets): PageContext {
  const url = new URL(c.req.url);
  // An error raised before the language middleware ran still gets a page, in Latvian.
  const lang = c.get('lang') ?? DEFAULT_LANGUAGE;
  const session = c.get('session');
  return {
    t: translator(lang),
    lang,
    path: url.pathname + url.search,
    assets: { css: assets.url('app.css') },
    ...(session ? { user: { name: session.displayName, csrfToken: session.csrfToken, kind: session.kind } } : {}),
  };
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

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    await next();
    c.header('X-Request-Id', requestId);
    const url = new URL(c.req.url);
    deps.log.info('request', {
      id: requestId,
      method: c.req.method,
      // Query values may hold anything a visitor typed (a personal code, say): only their names are logged.
      path: safePathname(url),
      query: [...new Set(url.searchParams.keys())],
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
      strictTransportSecurity: 'max-age=31536000; includeSubDomains',
    }),
  );
  app.use(compress());
  app.use(language({ secureCookie: deps.secureCookies ?? false }));
  app.use(async (c, next) => {
    await next();
    // Pages depend on the language cookie (and later on who is signed in): never shared between visitors.
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.header('Cache-Control', 'private, no-cache');
      c.header('Vary', 'Cookie', { append: true });
    }
  });

  app.get('/healthz', async (c) => {
    try {
      await sql`select 1`.execute(deps.db);
      return c.json({ status: 'ok' }, 200, { 'Cache-Control': 'no-store' });
    } catch (error) {
      deps.log.error('health check failed', { error });
      return c.json({ status: 'unavailable' }, 503, { 'Cache-Control': 'no-store' });
    }
  });

  app.get('/static/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) return c.notFound();
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
  });

  app.get('/', (c) => c.html(homePage(pageContext(c, assets))));
  if (deps.trust) app.route('/verify', verifyRoutes({ db: deps.db, trust: deps.trust, assets }));
  if (deps.student) app.route('/', studentRoutes({ db: deps.db, assets, ...deps.student }));

  app.notFound((c) => c.html(errorPage(pageContext(c as Context<AppEnv>, assets), 404), 404));
  app.onError((error, c) => {
    const requestId = (c as Context<AppEnv>).get('requestId');
    const page = pageContext(c as Context<AppEnv>, assets);
    if (error instanceof HTTPException && (error.status === 400 || error.status === 413 || error.status === 404)) {
      return c.html(errorPage(page, error.status), error.status);
    }
    if (error instanceof PoolBusyError) {
      // The sealing queue is full: say so at once, and when to come back, rather than hold the request.
      c.header('Retry-After', String(error.retryAfterSeconds));
      return c.html(errorPage(page, 503), 503);
    }
    deps.log.error('unhandled error', { id: requestId, error });
    return c.html(errorPage(page, 500, requestId), 500);
  });
  return app;
}
