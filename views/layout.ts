import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Language, Translate } from '../src/i18n.js';
import type { GeoAttribution } from '../src/net/country-database.js';
import type { ServiceContact } from '../src/config.js';
import { csrfField } from './forms.js';

import type { Html } from './html.js';

export type { Html };

export interface PageContext {
  t: Translate;
  lang: Language;
  /** The current path and query, so the language switch returns to the same page. */
  path: string;
  assets: { css: string; htmx?: string };
  /** The agency's help route: the footer and every state that needs a next step name it. */
  contact: ServiceContact;
  /** The signed-in person, for the header (name, sign-out form). */
  user?: { name: string; csrfToken: string; kind: 'student' | 'staff'; /** Agency staff: the paper copies link. */ agency?: boolean };
  /** The credit the geo data's licence asks for (DB-IP's CC BY 4.0 link), in the footer of every page. */
  geoAttribution?: GeoAttribution;
}

/** The geo data's credit line, in English as its licensor words it. */
export function geoCredit(attribution: GeoAttribution | undefined): Html | string {
  if (!attribution) return '';
  return html`<p lang="en">${attribution.before ? `${attribution.before} ` : ''}<a href="${attribution.href}">${attribution.label}</a></p>`;
}

/** The language switch keeps the page and its query, replacing only `lang`. */
export function switchLanguageHref(path: string, lang: Language): string {
  const url = new URL(path, 'http://portal.invalid');
  url.searchParams.set('lang', lang);
  return url.pathname + url.search;
}

export interface LayoutOptions {
  /** Loads htmx (staff pages only: the student pages need no script at all). */
  htmx?: boolean;
  /** The page shows a form sent back with problems: the title says so first, as screen readers read it first. */
  error?: boolean;
  /** The main column takes the whole screen width (the staff tables). */
  wide?: boolean;
  /** More in the head: the results lobby's announced refresh and its countdown script. */
  head?: Html;
}

export function layout(page: PageContext, title: string, main: Html, options: LayoutOptions = {}): Html {
  const { t, lang } = page;
  const other: Language = lang === 'lv' ? 'en' : 'lv';
  return html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.error ? `${t('forms.errorPrefix')} ` : ''}${title} · ${t('site.name')}</title>
<link rel="stylesheet" href="${page.assets.css}">
<link rel="icon" href="data:,">
${options.htmx && page.assets.htmx ? html`<script src="${page.assets.htmx}" defer></script>` : ''}${options.head ?? ''}
</head>
<body>
<a class="skip" href="#main">${t('layout.skip')}</a>
<header class="site">
  <a class="brand" href="/">${t('site.name')}</a>
  <nav aria-label="${t('layout.menu')}">
    ${page.user?.kind === 'student' ? html`<a href="/results">${t('layout.results')}</a>` : ''}
    ${
      page.user?.kind === 'staff'
        ? html`<a href="/staff/sessions"${page.path.startsWith('/staff/sessions') ? html` aria-current="page"` : ''}>${t('staff.nav.sessions')}</a>
    <a href="/staff/reports"${page.path.startsWith('/staff/reports') ? html` aria-current="page"` : ''}>${t('staff.nav.reports')}</a>${
      page.user.agency
        ? html`
    <a href="/staff/paper-requests"${page.path.startsWith('/staff/paper-requests') ? html` aria-current="page"` : ''}>${t('paperRequests.nav')}</a>
    <a href="/staff/agency"${page.path.startsWith('/staff/agency') ? html` aria-current="page"` : ''}>${t('agency.nav')}</a>`
        : ''
    }`
        : ''
    }
    <a href="${switchLanguageHref(page.path, other)}" hreflang="${other}" lang="${other}">${t(`layout.switchTo.${other}`)}</a>
    ${
      page.user
        ? html`<span class="user">${page.user.name}</span>
    <form method="post" action="/logout" class="inline">${csrfField(page.user)}<button type="submit" class="link">${t('layout.logout')}</button></form>`
        : ''
    }
  </nav>
</header>
<main id="main"${options.wide ? html` class="wide"` : ''}>
${main}
</main>
<footer class="site">
  <p>${t('site.operator')}</p>
  ${geoCredit(page.geoAttribution)}
</footer>
</body>
</html>`;
}
