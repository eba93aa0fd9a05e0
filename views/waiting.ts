/**
 * The waiting room's page (src/web/waiting-room.ts): in Latvian and English at once, inside the agency's identity,
 * light (styles inline, the favicon an empty data: address, no script), with the visitor's place in line, an
 * estimate once the line has moved, and when the page will look again by itself. The look-again is announced in
 * the text, keeps nothing the visitor could lose (the page has no fields), can be done at once with a link, and
 * can be switched off (WCAG 2.2.1).
 */
import { html } from 'hono/html';
import { DEVELOPMENT_CONTACT, type ServiceContact } from '../src/config.js';
import { translator, type Language } from '../src/i18n.js';
import { BUSY_PAGE_STYLE, busyPage } from './overload.js';

export interface WaitingView {
  position: number;
  estimateSeconds: number | undefined;
  /** Seconds until the page looks again by itself; undefined when the visitor switched that off. */
  refreshSeconds: number | undefined;
  /** The page the visitor asked for: "check now" opens it again, and "stop" comes back to it. */
  path: string;
}

const STYLE = `${BUSY_PAGE_STYLE}.place{font-size:1.25rem}`;

function estimate(t: ReturnType<typeof translator>, seconds: number | undefined): string {
  if (seconds === undefined) return t('waiting.estimateUnknown');
  if (seconds < 60) return t('waiting.estimateUnderMinute');
  return t('waiting.estimateMinutes', { minutes: Math.ceil(seconds / 60) });
}

export function waitingPage(view: WaitingView, contact: ServiceContact = DEVELOPMENT_CONTACT): string {
  const stopHref = `/waiting/manual?return_to=${encodeURIComponent(view.path)}`;
  const part = (lang: Language) => {
    const t = translator(lang);
    const heading = lang === 'lv' ? html`<h1>${t('waiting.title')}</h1>` : html`<h2>${t('waiting.title')}</h2>`;
    const position = new Intl.NumberFormat(lang === 'lv' ? 'lv-LV' : 'en-GB').format(view.position);
    return html`<section lang="${lang}">
${heading}
<p>${t('waiting.text')}</p>
<p class="place">${t('waiting.place')} <strong>${position}</strong></p>
<p>${estimate(t, view.estimateSeconds)}</p>
<p>${view.refreshSeconds === undefined ? t('waiting.manual') : t('waiting.refresh', { seconds: view.refreshSeconds })} ${t('waiting.keep')}</p>
<p><a href="${view.path}">${t('waiting.checkNow')}</a></p>
${view.refreshSeconds === undefined ? '' : html`<p><a href="${stopHref}">${t('waiting.stop')}</a></p>`}
</section>`;
  };
  return busyPage('waiting.title', STYLE, part, contact);
}
