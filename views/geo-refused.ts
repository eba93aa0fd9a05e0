import { html } from 'hono/html';
import { translator, type Language } from '../src/i18n.js';
import type { GeoAttribution } from '../src/net/country-database.js';
import { geoCredit } from './layout.js';
import { EDUCATION_DOCUMENTS_ESERVICE } from './eservice-link.js';

/** The Latvija.lv e-service for education documents of all years. */
export const LATVIJA_LV_CERTIFICATES_SERVICE = EDUCATION_DOCUMENTS_ESERVICE.url;

/** Latvian quotation marks „…“ in the Latvian half, English “…” in the English one. */
const quoted = (lang: Language, text: string) => (lang === 'lv' ? `„${text}“` : `“${text}”`);

/**
 * The refusal page for visitors outside the Baltic states, in Latvian and English at once: the visitor may not
 * read Latvian, and the language switch would only lead to the same refusal. Rendered once at start.
 */
export function geoRefusedPage(css?: string, attribution?: GeoAttribution): string {
  const part = (lang: Language) => {
    const t = translator(lang);
    const heading = lang === 'lv' ? html`<h1>${t('geo.title')}</h1>` : html`<h2>${t('geo.title')}</h2>`;
    return html`<section lang="${lang}">
${heading}
<p>${t('geo.text')}</p>
<p>${t('geo.elsewhere')} <a href="${LATVIJA_LV_CERTIFICATES_SERVICE}" hreflang="lv">${quoted(lang, t('geo.service'))}</a>.</p>
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
${css ? html`<link rel="stylesheet" href="${css}">` : ''}
</head>
<body>
<header class="site"><a class="brand" href="/">${lv('site.name')}</a></header>
<main id="main">
${part('lv')}
<hr>
${part('en')}
</main>
<footer class="site">${geoCredit(attribution)}</footer>
</body>
</html>`.toString();
}
