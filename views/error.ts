import { html } from 'hono/html';
import { layout, type PageContext } from './layout.js';

export function errorPage(page: PageContext, status: 404 | 500 | 503 | 413 | 400, requestId?: string) {
  const { t } = page;
  return layout(
    page,
    t(`error.${status}.title`),
    html`<h1>${t(`error.${status}.title`)}</h1>
<p>${t(`error.${status}.text`)}</p>
${requestId ? html`<p class="muted">${t('error.reference', { id: requestId })}</p>` : ''}
<p><a href="/">${t('error.home')}</a></p>`,
  );
}
