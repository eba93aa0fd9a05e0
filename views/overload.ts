/**
 * The page a request gets when the portal is overloaded (src/web/overload.ts): rendered once at start, in Latvian
 * and English at once, inside the agency's identity, with its styles inline and nothing else to fetch (the
 * stylesheet would be one more request to a busy server; the favicon is an empty data: address).
 */
import { html, raw } from 'hono/html';
import { DEVELOPMENT_CONTACT, type ServiceContact } from '../src/config.js';
import { translator, type Language } from '../src/i18n.js';
import { bilingualFooter, brandLink, type Html } from './layout.js';

/** The busy pages' styles (this one and the waiting room's), inline: a stylesheet would be one more request. */
export const BUSY_PAGE_STYLE =
  'body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#1b1b1b}' +
  'header{padding:.75rem 1rem;border-bottom:4px solid #9e3039}' +
  '.brand{display:flex;align-items:center;gap:.5rem;font-weight:700;color:#1b1b1b;text-decoration:none}' +
  '.agency-full{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}' +
  '.agency-short::after{content:" ·"}' +
  'main{max-width:36rem;margin:0 auto;padding:1rem}h1{font-size:1.4rem;line-height:1.25}h2{font-size:1.15rem}' +
  'a{color:#9e3039}footer{border-top:1px solid #c9c9c9;padding:0 1rem;font-size:.95rem}footer>*{max-width:36rem;margin:.5rem auto}' +
  '.contact,.footer-links{list-style:none;padding:0}.footer-links li{display:inline-block;margin-right:1rem}';

/** No automatic refresh (WCAG 2.2.1): the visitor decides when to try again. */
export function overloadPage(contact: ServiceContact = DEVELOPMENT_CONTACT): string {
  const part = (lang: Language) => {
    const t = translator(lang);
    const heading = lang === 'lv' ? html`<h1>${t('overload.title')}</h1>` : html`<h2>${t('overload.title')}</h2>`;
    return html`<section lang="${lang}">
${heading}
<p>${t('overload.text')}</p>
<p><a href="">${t('overload.retry')}</a></p>
</section>`;
  };
  return busyPage('overload.title', BUSY_PAGE_STYLE, part, contact);
}

/**
 * The frame of a page for a busy portal, in Latvian and English at once: the title key's text in both languages,
 * the agency's identity, each language's part, and the bilingual footer with the help route.
 */
export function busyPage(titleKey: string, style: string, part: (lang: Language) => Html, contact: ServiceContact): string {
  const lv = translator('lv');
  return html`<!doctype html>
<html lang="lv"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${lv(titleKey)} · ${translator('en')(titleKey)}</title>
<link rel="icon" href="data:,">
<style>${raw(style)}</style>
</head><body>
<header>${brandLink({ t: lv })}</header>
<main>
${part('lv')}
${part('en')}
</main>
${bilingualFooter(contact)}
</body></html>`.toString();
}
