import { html, raw } from 'hono/html';
import { translator, type Language, type Translate } from '../src/i18n.js';
import type { GeoAttribution } from '../src/net/country-database.js';
import type { ServiceContact } from '../src/config.js';
import { csrfField } from './forms.js';
import { AGENCY_ABBREVIATION, EMBLEM_SVG } from './emblem.js';

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

/** What the frame (header and footer) needs: the special pages (geo refusal, overload) have no request context. */
export type FrameContext = Pick<PageContext, 't' | 'lang' | 'contact'>;

/** The help route as a phone link target: digits and a leading +. */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

/**
 * The agency's identity and the service name, as one link home. On a phone the agency's name shows as its
 * abbreviation (the full name stays in the link's text for screen readers), so the header keeps to one line.
 */
export function brandLink(frame: Pick<FrameContext, 't'>): Html {
  const { t } = frame;
  return html`<a class="brand" href="/">${raw(EMBLEM_SVG)}<span class="agency"><span class="agency-full">${t('frame.agency')}</span><span class="agency-short" aria-hidden="true">${AGENCY_ABBREVIATION}</span></span><span class="service">${t('site.name')}</span></a>`;
}

/** How to reach the agency's user support: e-mail, phone and when it is answered. */
export function contactDetails(frame: FrameContext): Html {
  const { t, contact, lang } = frame;
  return html`<ul class="contact">
<li>${t('frame.help.email')}: <a href="mailto:${contact.email}">${contact.email}</a></li>
<li>${t('frame.help.phone')}: <a href="${telHref(contact.phone)}" class="nowrap">${contact.phone}</a> (${contact.hours[lang]})</li>
</ul>`;
}

/**
 * The footer of the pages shown in both languages at once (the refusal from abroad, the overload page): the help
 * route in Latvian and in English, then the links in both languages.
 */
export function bilingualFooter(contact: ServiceContact, attribution?: GeoAttribution): Html {
  return html`<footer class="site">
${(['lv', 'en'] as const).map((lang) => {
  const t = translator(lang);
  return html`<div class="help" lang="${lang}">
<p>${t('frame.help.ask')}</p>
${contactDetails({ t, lang, contact })}
<ul class="footer-links">${footerLinks(t, lang)}</ul>
</div>`;
})}
<p>${translator('lv')('site.operator')}</p>
${geoCredit(attribution)}
</footer>`;
}

/** The accessibility statement, privacy notice, cookies and staff sign-in; `lang` fixes the language they open in. */
export function footerLinks(t: Translate, lang?: Language): Html {
  const href = (path: string) => (lang ? `${path}?lang=${lang}` : path);
  return html`<li><a href="${href('/accessibility')}">${t('info.accessibility.link')}</a></li>
<li><a href="${href('/privacy')}">${t('info.privacy.link')}</a></li>
<li><a href="${href('/cookies')}">${t('info.cookies.link')}</a></li>
<li><a href="${href('/staff/login')}">${t('frame.staffSignIn')}</a></li>`;
}

/** The footer's help route and the links every page carries: accessibility, privacy, cookies, staff sign-in. */
export function frameFooter(frame: FrameContext, attribution?: GeoAttribution): Html {
  const { t } = frame;
  return html`<footer class="site">
<div class="help">
<h2>${t('frame.help.title')}</h2>
<p>${t('frame.help.text')}</p>
${contactDetails(frame)}
</div>
<nav aria-label="${t('frame.footerNav')}">
<ul class="footer-links">${footerLinks(t)}</ul>
</nav>
<p>${t('site.operator')}</p>
${geoCredit(attribution)}
</footer>`;
}

function accountNav(page: PageContext): Html | string {
  const { t, user } = page;
  if (!user) return '';
  const current = (prefix: string) => (page.path.startsWith(prefix) ? html` aria-current="page"` : '');
  const links =
    user.kind === 'student'
      ? html`<a href="/results"${current('/results')}>${t('layout.results')}</a>
<a href="/apply"${current('/apply')}>${t('apply.nav')}</a>`
      : html`<a href="/staff/sessions"${current('/staff/sessions')}>${t('staff.nav.sessions')}</a>
<a href="/staff/reports"${current('/staff/reports')}>${t('staff.nav.reports')}</a>${
          user.agency
            ? html`
<a href="/staff/paper-requests"${current('/staff/paper-requests')}>${t('paperRequests.nav')}</a>
<a href="/staff/agency"${current('/staff/agency')}>${t('agency.nav')}</a>`
            : html`
<a href="/staff/applications"${current('/staff/applications')}>${t('applySchool.nav')}</a>`
        }`;
  return html`<nav class="account" aria-label="${t('layout.menu')}">
${links}
<span class="user">${user.name}</span>
<form method="post" action="/logout" class="inline">${csrfField(user)}<button type="submit" class="link">${t('layout.logout')}</button></form>
</nav>`;
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
<div class="bar">
${brandLink(page)}
<a class="switch" href="${switchLanguageHref(page.path, other)}" hreflang="${other}" lang="${other}">${t(`layout.switchTo.${other}`)}</a>
</div>
${accountNav(page)}
</header>
<main id="main"${options.wide ? html` class="wide"` : ''}>
${main}
</main>
${frameFooter(page, page.geoAttribution)}
</body>
</html>`;
}
