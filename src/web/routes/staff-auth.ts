/**
 * Staff sign-in: `GET /staff/login` (Latvija.lv; the provider round trip itself is in auth.ts) and outside
 * production `POST /staff/login/demo`, which signs in as one of the staff users the page offers.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { staffLoginPage } from '../../../views/staff-login.js';
import { PROVIDER_LABELS } from '../../auth/oidc.js';
import { demoStaffUsers } from '../../data/staff.js';
import type { Logger } from '../../log.js';
import type { AppEnv } from '../app.js';
import { pageContext } from '../app.js';
import type { Assets } from '../assets.js';
import { sendHtml } from '../respond.js';
import { sameOrigin } from '../session.js';
import { safeReturnTo, sessionStarter, STAFF_HOME, type AuthDependencies } from './auth.js';

export interface StaffAuthDependencies extends AuthDependencies {
  db: Kysely<Database>;
  log: Logger;
  assets: Assets;
  secureCookies: boolean;
}

export function staffAuthRoutes(deps: StaffAuthDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const demo = deps.environment !== 'production';
  const { begin } = sessionStarter(deps);
  const formLimit = bodyLimit({ maxSize: 8192, onError: () => { throw new HTTPException(413); } });

  app.get('/staff', (c) => c.redirect(STAFF_HOME, 302));

  app.get('/staff/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'), STAFF_HOME);
    if (c.get('session')?.kind === 'staff') return c.redirect(returnTo, 302);
    const providers = deps.oidc.configured('staff').map((name) => ({
      label: PROVIDER_LABELS[name],
      href: `/login/${name}${returnTo !== STAFF_HOME ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    }));
    const users = demo ? await demoStaffUsers(deps.db) : undefined;
    return sendHtml(c, staffLoginPage(pageContext(c, deps.assets), { providers, demo: users ? { users } : undefined, returnTo }));
  });

  if (demo) {
    app.post('/staff/login/demo', formLimit, sameOrigin(deps.publicUrl), async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const chosen = (await demoStaffUsers(deps.db)).find((u) => String(u.userId) === String(body['user_id'] ?? ''));
      if (!chosen) return c.notFound();
      return begin(c, { kind: 'staff', userId: chosen.userId, displayName: chosen.displayName }, 'demo', safeReturnTo(String(body['return_to'] ?? ''), STAFF_HOME));
    });
  }

  return app;
}
