/** "Who has seen my certificates": the holder's access history, the same on the student pages and the e-service. */
import { html } from 'hono/html';
import type { AccessEntry } from '../src/data/access-history.js';
import { formatRigaDateTime } from '../src/domain/riga-time.js';
import { layout, type Html, type PageContext } from './layout.js';
import { contactParagraph, type ShareText } from './share.js';

export interface AccessHistoryView {
  entries: AccessEntry[];
  /** Older entries exist beyond those shown. */
  more: boolean;
  /** Back to the share links. */
  back: string;
}

function whoText(page: ShareText, entry: AccessEntry): string {
  const { t } = page;
  switch (entry.who.kind) {
    case 'institution':
    case 'recipient':
      return t(`accessHistory.who.${entry.who.kind}`, { name: entry.who.name });
    default:
      return t(`accessHistory.who.${entry.who.kind}`);
  }
}

function whatText(page: ShareText, entry: AccessEntry): string {
  const { t } = page;
  if (entry.action === 'certificate.download' && entry.bulk) return t('accessHistory.what.bulk-download');
  if (entry.action === 'certificate.verify-number') return t(`accessHistory.what.verify-number-${entry.by ?? 'personal-code'}`);
  return t(`accessHistory.what.${entry.action}`);
}

function channelText(page: ShareText, entry: AccessEntry): string {
  const known = ['student', 'eservice', 'school', 'agency', 'verify', 'verify-api', 'share-link'];
  return page.t(`accessHistory.channel.${known.includes(entry.channel) ? entry.channel : 'other'}`);
}

export function accessHistoryBody(page: ShareText, view: AccessHistoryView): Html {
  const { t } = page;
  return html`<h1>${t('accessHistory.title')}</h1>
<p>${t('accessHistory.intro')}</p>
<details class="access-explained"><summary>${t('accessHistory.explained.summary')}</summary><p>${t('accessHistory.explained.text')}</p></details>
${
  view.entries.length === 0
    ? html`<p class="access-none">${t('accessHistory.none')}</p>`
    : html`<ol class="access-history">${view.entries.map(
        (e) => html`<li class="access-entry">
<p class="access-when"><time datetime="${e.at}">${formatRigaDateTime(new Date(e.at))}</time></p>
<p class="access-what"><strong>${whoText(page, e)}</strong>: ${whatText(page, e)}</p>
<dl>
${e.number ? html`<dt>${t('accessHistory.certificate')}</dt><dd class="code">${e.number}</dd>` : ''}
<dt>${t('accessHistory.channelLabel')}</dt><dd>${channelText(page, e)}</dd>
</dl>
</li>`,
      )}</ol>`
}
${view.more ? html`<p class="hint">${t('accessHistory.more')}</p>` : ''}
<p>${t('accessHistory.unexpected')}</p>
${contactParagraph(page)}
<p><a href="${view.back}">${t('accessHistory.back')}</a></p>`;
}

export function accessHistoryPage(page: PageContext, view: AccessHistoryView): Html {
  return layout(page, page.t('accessHistory.title'), accessHistoryBody(page, view));
}
