/**
 * Staff sign-in: `GET /staff/login` (Latvija.lv; the provider round trip itself is in auth.ts) and outside
 * production `POST /staff/login/demo`, which signs in as one of the staff users the page offers.
 */
import { Hono } from 'hono';
import { staffLoginPage } from '../../../views/staff-login.js';
import { demoStaffUsers } from '../../data/staff.js';
import { pageContext, type AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import { sendHtml } from '../respond.js';
import { sameOrigin } from '../session.js';
import { safeReturnTo, sessionStarter, SIGN_IN_FORM_BYTES, STAFF_HOME, type AuthRouteDependencies } from './auth.js';

/** Mounted at /staff, ahead of the staff pages' guard (see routes/staff.ts). */
export function staffAuthRoutes(deps: AuthRouteDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const demo = deps.environment !== 'production';
  const { begin } = sessionStarter(deps);
  const formLimit = limitBody(SIGN_IN_FORM_BYTES);

  app.get('/', (c) => c.redirect(STAFF_HOME, 302));

  app.get('/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'), STAFF_HOME);
    if (c.get('signedIn')?.kind === 'staff') return c.redirect(returnTo, 302);
    const providers = deps.oidc.configured('staff').map((name) => ({
      name,
      href: `/login/${name}${returnTo !== STAFF_HOME ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    }));
    const users = demo ? await demoStaffUsers(deps.db) : undefined;
    return sendHtml(c, staffLoginPage(pageContext(c), { providers, demo: users ? { users } : undefined, returnTo }));
  });

  if (demo) {
    app.post('/login/demo', formLimit, sameOrigin(deps.publicUrl), async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const chosen = (await demoStaffUsers(deps.db)).find((u) => String(u.userId) === String(body['user_id'] ?? ''));
      if (!chosen) return c.notFound();
      return begin(
        c,
        { kind: 'staff', userId: chosen.userId, displayName: chosen.displayName },
        'demo',
        safeReturnTo(String(body['return_to'] ?? ''), STAFF_HOME),
      );
    });
  }

  return app;
}
