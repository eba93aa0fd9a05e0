import { html } from 'hono/html';
import { DEVELOPMENT_CONTACT, type ServiceContact } from '../src/config.js';
import { translator, type Language } from '../src/i18n.js';
import type { GeoAttribution } from '../src/net/country-database.js';
import { eserviceLink } from './eservice-link.js';
import { bilingualFooter, brandLink } from './layout.js';

export interface GeoRefusedOptions {
  /** The stylesheet's hashed address. */
  css?: string;
  contact?: ServiceContact;
  attribution?: GeoAttribution;
}

/**
 * The refusal page for visitors outside the Baltic states, in Latvian and English at once: the visitor may not
 * read Latvian, and the language switch would only lead to the same refusal. Rendered once at start.
 */
export function geoRefusedPage(options: GeoRefusedOptions = {}): string {
  const contact = options.contact ?? DEVELOPMENT_CONTACT;
  const part = (lang: Language) => {
    const t = translator(lang);
    const frame = { t, lang, contact };
    const heading = lang === 'lv' ? html`<h1>${t('geo.title')}</h1>` : html`<h2>${t('geo.title')}</h2>`;
    return html`<section lang="${lang}">
${heading}
<p>${t('geo.text')}</p>
<p>${t('geo.why')}</p>
<p>${t('geo.elsewhere')} ${eserviceLink(frame)}.</p>
<p>${t('geo.verify')} <a href="/verify?lang=${lang}">${t('geo.verifyLink')}</a>.</p>
</section>`;
  };
  const lv = translator('lv');
  return html`<!doctype html>
<html lang="lv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${lv('geo.title')} · ${translator('en')('geo.title')}</title>
${options.css ? html`<link rel="stylesheet" href="${options.css}">` : ''}
<link rel="icon" href="data:,">
</head>
<body>
<header class="site"><div class="bar">${brandLink({ t: lv })}</div></header>
<main id="main">
${part('lv')}
<hr>
${part('en')}
</main>
${bilingualFooter(contact, options.attribution)}
</body>
</html>`.toString();
}
