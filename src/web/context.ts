/**
 * What every request carries through the application (`c.var`), and the page context views are rendered with.
 * Routes import this module, never app.ts, so the application can import the routes without a cycle.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { PageContext } from '../../views/layout.js';
import { DEFAULT_LANGUAGE, translator, type Language } from '../i18n.js';
import type { Assets } from './assets.js';
import type { GeoAttribution } from '../net/country-database.js';
import type { LanguageVariables } from './language.js';
import type { SignedInVariables } from './signed-in.js';
import { DEVELOPMENT_CONTACT, type ServiceContact } from '../config.js';

/** Counts one sign-in's outcome: `signed-in`, or why it was not (see src/web/metrics.ts). */
export type SignInCounter = (provider: string, outcome: string) => void;

/** Counts a sign-in's outcome on the request's metrics, if the application keeps any. */
export function countSignIn(c: Context<AppEnv>, provider: string | undefined, outcome: string): void {
  c.get('signIns')?.(provider ?? 'unknown', outcome);
}

export type AppEnv = {
  Variables: LanguageVariables &
    SignedInVariables & {
      requestId: string;
      /** The static files under their hashed names, for the links pages make to them. */
      assets: Assets;
      geoAttribution?: GeoAttribution;
      /** The agency's help route (SUPPORT_* settings), for the footer and every page that needs a next step. */
      contact: ServiceContact;
      /** The overload guard answered with its refusal or waiting page (not counted as an error). */
      refused?: boolean;
      /** A header or cookie was prepared before the answer was built (prepareHeader, src/web/response-headers.ts). */
      preparedHeaders?: boolean;
      /** Where sign-in outcomes are counted (src/web/metrics.ts). */
      signIns?: SignInCounter;
    };
};

/** Puts the static files and the help route on every request, for `pageContext()`. */
export function provideAssets(assets: Assets, contact: ServiceContact = DEVELOPMENT_CONTACT): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('assets', assets);
    c.set('contact', contact);
    await next();
  };
}

/** The path and query asked for, as pages link back to it (the language switch). */
export function requestPath(c: Context): string {
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}

export function pageContext(c: Context<AppEnv>): PageContext {
  const signedIn = c.get('signedIn');
  return pageContextOf({
    // An error raised before the language middleware ran still gets a page, in Latvian.
    lang: c.get('lang') ?? DEFAULT_LANGUAGE,
    path: requestPath(c),
    assets: c.get('assets'),
    contact: c.get('contact'),
    geoAttribution: c.get('geoAttribution'),
    user: signedIn && { name: signedIn.displayName, csrfToken: signedIn.csrfToken, kind: signedIn.kind, agency: c.get('staff')?.kind === 'agency' },
  });
}

/** The page context of a page rendered without a request (a results page rendered ahead), from its parts. */
export function pageContextOf(parts: {
  lang: Language;
  path: string;
  assets: Assets;
  contact: ServiceContact | undefined;
  geoAttribution: GeoAttribution | undefined;
  user: PageContext['user'];
}): PageContext {
  return {
    t: translator(parts.lang),
    lang: parts.lang,
    path: parts.path,
    assets: { css: parts.assets.url('app.css'), htmx: parts.assets.url('htmx.min.js') },
    contact: parts.contact ?? DEVELOPMENT_CONTACT,
    ...(parts.geoAttribution ? { geoAttribution: parts.geoAttribution } : {}),
    ...(parts.user ? { user: parts.user } : {}),
  };
}
