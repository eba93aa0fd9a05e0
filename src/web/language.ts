import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { prepareCookie } from './response-headers.js';
import { DEFAULT_LANGUAGE, isLanguage, translator, type Language, type Translate } from '../i18n.js';

export const LANGUAGE_COOKIE = 'lang';
/** The language choice is remembered for a year. */
export const LANGUAGE_COOKIE_MAX_AGE_SECONDS = 365 * 86400;

export interface LanguageVariables {
  lang: Language;
  t: Translate;
}

/**
 * Latvian unless the visitor chose otherwise: `?lang=en` chooses and is remembered in a cookie for a year;
 * the cookie is written only when the choice changes.
 */
export function language(options: { secureCookie: boolean }): MiddlewareHandler<{ Variables: LanguageVariables }> {
  return async (c, next) => {
    const asked = c.req.query('lang');
    const remembered = getCookie(c, LANGUAGE_COOKIE);
    let lang: Language = DEFAULT_LANGUAGE;
    if (isLanguage(asked)) {
      lang = asked;
      if (asked !== remembered) {
        prepareCookie(c, LANGUAGE_COOKIE, asked, { secure: options.secureCookie, maxAgeSeconds: LANGUAGE_COOKIE_MAX_AGE_SECONDS });
      }
    } else if (isLanguage(remembered)) {
      lang = remembered;
    }
    c.set('lang', lang);
    c.set('t', translator(lang));
    await next();
  };
}
