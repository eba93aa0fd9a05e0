import { html } from 'hono/html';
import type { Html, PageContext } from './layout.js';

/** The Latvija.lv e-service for education documents of all years: one name and one address wherever it is named. */
export const EDUCATION_DOCUMENTS_ESERVICE = {
  url: 'https://latvija.gov.lv/Services/45822',
  /** Its official name is Latvian only; English pages give it with a translation after it. */
  name: 'Izglītību apliecinošo dokumentu apskate un saņemšana',
} as const;

/** A link to that e-service with its official name (and, in English, what the name means). */
export function eserviceLink(page: Pick<PageContext, 't' | 'lang'>): Html {
  const { url, name } = EDUCATION_DOCUMENTS_ESERVICE;
  return page.lang === 'lv'
    ? html`Latvija.lv e-pakalpojumā <a href="${url}" hreflang="lv">„${name}“</a>`
    : html`the Latvija.lv e-service <a href="${url}" hreflang="lv" lang="lv">“${name}”</a> (${page.t('eserviceLink.meaning')})`;
}
