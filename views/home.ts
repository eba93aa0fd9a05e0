import { html } from 'hono/html';
import { layout, type PageContext } from './layout.js';

export function homePage(page: PageContext) {
  const { t } = page;
  return layout(
    page,
    t('home.title'),
    html`<h1>${t('home.title')}</h1>
<p>${t('home.intro')}</p>
<ul class="cards">
  <li><h2>${t('home.students.title')}</h2><p>${t('home.students.text')}</p><p><a class="button" href="/login">${t('home.students.action')}</a></p></li>
  <li><h2>${t('home.adults.title')}</h2><p>${t('home.adults.text')}</p><p><a href="https://latvija.gov.lv/Services/45822" hreflang="lv">${t('home.adults.action')}</a></p></li>
  <li><h2>${t('home.verify.title')}</h2><p>${t('home.verify.text')}</p><p><a href="/verify">${t('home.verify.action')}</a></p></li>
</ul>
<p class="notice">${t('home.release')}</p>`,
  );
}
