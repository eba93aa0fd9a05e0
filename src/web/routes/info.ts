/**
 * The pages every footer links to: `/accessibility`, `/privacy`, `/cookies`, and `/signed-out` after `POST /logout`.
 * Open from anywhere, like the home page.
 */
import { Hono } from 'hono';
import { accessibilityPage, cookiesPage, privacyPage, signedOutPage } from '../../../views/info.js';
import { pageContext, type AppEnv } from '../context.js';
import { portalCookies } from '../cookies.js';
import { sendHtml } from '../respond.js';

export interface InfoDependencies {
  /** Cookies only over HTTPS (their names then carry the __Host- prefix). */
  secureCookies: boolean;
  /** SESSION_IDLE_MINUTES, when signing in is offered at all. */
  sessionIdleMinutes?: number;
  /** REPORT_RETENTION_DAYS, when the staff pages are offered. */
  reportRetentionDays?: number;
}

/** Where `POST /logout` sends the browser: the signed-out page, told whether staff or a student left. */
export function signedOutHref(kind: 'student' | 'staff'): string {
  return kind === 'staff' ? '/signed-out?as=staff' : '/signed-out';
}

export function infoRoutes(deps: InfoDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const cookies = portalCookies({
    secure: deps.secureCookies,
    ...(deps.sessionIdleMinutes !== undefined ? { signIn: { sessionIdleMinutes: deps.sessionIdleMinutes } } : {}),
  });

  app.get('/accessibility', (c) => sendHtml(c, accessibilityPage(pageContext(c))));
  app.get('/privacy', (c) =>
    sendHtml(c, privacyPage(pageContext(c), { sessionIdleMinutes: deps.sessionIdleMinutes, reportRetentionDays: deps.reportRetentionDays })),
  );
  app.get('/cookies', (c) => sendHtml(c, cookiesPage(pageContext(c), cookies)));
  app.get('/signed-out', (c) => sendHtml(c, signedOutPage(pageContext(c), c.req.query('as') === 'staff' ? 'staff' : 'student')));
  return app;
}
