/**
 * Signing in and out: `GET /login`, `GET /login/:provider`, `GET /auth/:provider/callback`, `POST /logout`, and
 * outside production `POST /login/demo`. Students come through E-klase or Mykoob; staff through Latvija.lv (their
 * sign-in page is in staff-auth.ts; the provider round trip is the same and lives here).
 */
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { loginErrorPage, loginPage, noResultsPage } from '../../../views/login.js';
import type { LoginInProgress } from '../../auth/login-cookie.js';
import { LoginError, PROVIDER_AUDIENCE, PROVIDER_LABELS, type LoginProblem, type ProviderName } from '../../auth/oidc.js';
import type { AuthDependencies } from '../../auth/setup.js';
import { audit } from '../../data/audit.js';
import { demoApplicants, demoStudents, findPersonByCode, type SignInPerson } from '../../data/sign-in.js';
import { findStaffUser } from '../../data/staff.js';
import { noStaffAccessPage } from '../../../views/staff-login.js';
import { LOGIN_ATTEMPT_MS, LoginAlreadyAnswered } from '../../data/web-sessions.js';
import { maskPersonalCode } from '../../domain/personal-code.js';
import type { Logger } from '../../log.js';
import { countSignIn, pageContext, type AppEnv } from '../context.js';
import { limitBody } from '../forms.js';
import { clearSessionCookie, csrfProtection, sameOrigin, sessionToken, setSessionCookie } from '../session.js';
import { sendHtml, sendSharedHtml } from '../respond.js';
import { loginStateCookieName } from '../cookies.js';
import { signedOutHref } from './info.js';
import { signedInActor, type SignedInStaff, type SignedInStudent } from '../signed-in.js';
import { prepareCookie, prepareCookieRemoval } from '../response-headers.js';

export interface AuthRouteDependencies extends AuthDependencies {
  db: Kysely<Database>;
  log: Logger;
  secureCookies: boolean;
}

/** The sign-in forms hold a choice and a return path. */
export const SIGN_IN_FORM_BYTES = 8192;

export const DEFAULT_RETURN_TO = '/results';
/** How long the list of demo students offered by the development sign-in is kept. */
const DEMO_LIST_MS = 60_000;
export const STAFF_HOME = '/staff/sessions';

/**
 * A same-site path to go to after signing in: a path starting with one `/` (no scheme, no host, no `//` or
 * backslash tricks, no control characters), not one of the sign-in routes, at most 1,000 characters; anything else
 * gives the fallback.
 */
export function safeReturnTo(value: string | undefined | null, fallback = DEFAULT_RETURN_TO): string {
  if (!value || value.length > 1000 || !value.startsWith('/') || value.startsWith('//')) return fallback;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, 'http://portal.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'http://portal.invalid') return fallback;
  // "/.//evil.example" parses to the path "//evil.example", which a browser reads as another host.
  if (url.pathname.startsWith('//') || url.pathname.startsWith('/\\')) return fallback;
  if (/^\/(login|logout|auth|staff\/login)(\/|$)/.test(url.pathname)) return fallback;
  const path = url.pathname + url.search;
  // Percent-encoding can make it longer than what came in; it travels in the login cookie, which must stay small.
  return path.length > 1000 ? fallback : path;
}

/** Whom a sign-in is for: a student (a person of the register) or a staff user. */
export type SignInSubject = Pick<SignedInStudent, 'kind' | 'personId' | 'displayName'> | Pick<SignedInStaff, 'kind' | 'userId' | 'displayName'>;

/**
 * Starts sessions: any earlier session of this browser ends, the new one is audited, its cookie set, and the
 * browser sent on to `returnTo`. Shared by the student and staff sign-ins. With `answers`, the session is made from
 * that sign-in's answer, which makes at most one (LoginAlreadyAnswered for a second).
 */
export function sessionStarter(deps: AuthRouteDependencies) {
  const begin = async (c: Context<AppEnv>, subject: SignInSubject, provider: string, returnTo: string, answers?: LoginInProgress) => {
    await deps.sessions.delete(sessionToken(c, deps.secureCookies));
    const who = signedInActor(subject);
    const { token } = await deps.sessions.create(
      subject.kind === 'student'
        ? { kind: 'student', personId: subject.personId, provider, displayName: subject.displayName }
        : { kind: 'staff', userId: subject.userId, provider, displayName: subject.displayName },
      {
        audit: { actor: who, action: 'sign-in', subject: who, channel: subject.kind === 'student' ? 'student' : 'staff', details: { provider } },
        answers: answers && { state: answers.state, provider, startedAt: new Date(answers.startedAt) },
      },
    );
    setSessionCookie(c, token, deps.secureCookies);
    countSignIn(c, provider, 'signed-in');
    return c.redirect(returnTo, 303);
  };
  return { begin };
}

export function authRoutes(deps: AuthRouteDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const secure = deps.secureCookies;
  const stateCookie = loginStateCookieName(secure);
  const demo = deps.environment !== 'production';
  const formLimit = limitBody(SIGN_IN_FORM_BYTES);
  const { begin } = sessionStarter(deps);
  // The demo students, asked on every visit of /login and every demo sign-in: a query over the whole register
  // (tens of ms of synchronous SQLite work with tens of thousands of demo students, blocking every other request),
  // so kept for a minute. Development only.
  let demoList: { at: number; students: Promise<SignInPerson[]> } | undefined;
  const offeredDemoStudents = (): Promise<SignInPerson[]> => {
    if (!demoList || Date.now() - demoList.at > DEMO_LIST_MS) {
      // The demo's students with results, and two who have not applied for this year's exams yet.
      const students = Promise.all([demoStudents(deps.db, 6), demoApplicants(deps.db, 2)]).then(([withResults, applicants]) => [...withResults, ...applicants]);
      demoList = { at: Date.now(), students };
      students.catch(() => (demoList = undefined));
    }
    return demoList.students;
  };
  const homeOf = (provider: ProviderName | undefined) => (provider && PROVIDER_AUDIENCE[provider] === 'staff' ? STAFF_HOME : DEFAULT_RETURN_TO);

  const failure = (c: Context<AppEnv>, problem: LoginProblem, provider: ProviderName | undefined, returnTo?: string) => {
    countSignIn(c, provider, problem);
    const page = pageContext(c);
    const staff = provider !== undefined && PROVIDER_AUDIENCE[provider] === 'staff';
    const label = provider ? PROVIDER_LABELS[provider] : 'E-klase / Mykoob';
    const start = staff ? '/staff/login' : '/login';
    const retry = `${start}${returnTo && returnTo !== homeOf(provider) ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`;
    // Staff are never told about "your results": their texts speak of access rights.
    const message = page.t(problem === 'no-code' && staff ? 'auth.error.no-code-staff' : `auth.error.${problem}`, { provider: label });
    const nextStep = problem === 'no-code' ? page.t(staff ? 'signIn.noCode.staff' : 'signIn.noCode.student', { provider: label }) : undefined;
    return sendHtml(c, loginErrorPage(page, message, retry, nextStep), problem === 'unavailable' ? 503 : 400);
  };

  const signIn = (c: Context<AppEnv>, person: SignInPerson, provider: string, returnTo: string) =>
    begin(c, { kind: 'student', personId: person.personId, displayName: person.displayName }, provider, returnTo);

  app.get('/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('return_to'));
    if (c.get('signedIn')?.kind === 'student') return c.redirect(returnTo, 302);
    const providers = deps.oidc.configured().map((name) => ({
      name,
      href: `/login/${name}${returnTo !== DEFAULT_RETURN_TO ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    }));
    const students = demo
      ? (await offeredDemoStudents()).map((s) => ({ personId: s.personId, displayName: s.displayName, maskedCode: maskPersonalCode(s.personalCode) }))
      : undefined;
    // The first step of every sign-in on results day, the same for everyone not signed in: kept compressed.
    return sendSharedHtml(c, loginPage(pageContext(c), { providers, demo: students ? { students } : undefined, returnTo }));
  });

  app.get('/login/:provider', async (c) => {
    const name = c.req.param('provider');
    if (!deps.oidc.has(name)) return c.notFound();
    const returnTo = safeReturnTo(c.req.query('return_to'), homeOf(name));
    let start;
    try {
      start = await deps.oidc.start(name, { lang: c.get('lang'), returnTo });
    } catch (error) {
      deps.log.warn('sign-in could not start', { provider: name, error });
      return failure(c, 'unavailable', name, returnTo);
    }
    // The sign-in, sealed, in a cookie of this browser only: a callback without it, or with another state, is
    // refused (login CSRF). Nothing is written until the provider answers.
    prepareCookie(c, stateCookie, start.cookie, { secure, maxAgeSeconds: LOGIN_ATTEMPT_MS / 1000 });
    return c.redirect(start.url.href, 302);
  });

  app.get('/auth/:provider/callback', async (c) => {
    const name = c.req.param('provider');
    if (!deps.oidc.has(name)) return c.notFound();
    const query = new URL(c.req.url).searchParams;
    const resumed = deps.oidc.resume(name, getCookie(c, stateCookie), query.get('state'));
    prepareCookieRemoval(c, stateCookie, { secure });
    if ('problem' in resumed) {
      deps.log.warn('sign-in refused', { provider: name, problem: resumed.problem, why: resumed.why });
      return failure(c, resumed.problem, name);
    }
    const login = resumed.login;

    let result;
    try {
      result = await deps.oidc.finish(name, query, login);
    } catch (error) {
      const problem = error instanceof LoginError ? error.problem : 'failed';
      deps.log.warn('sign-in refused', { provider: name, problem, error });
      return failure(c, problem, name, login.returnTo);
    }
    if (!result.personalCode) {
      deps.log.warn('sign-in refused', { provider: name, problem: 'no-code' });
      return failure(c, 'no-code', name, login.returnTo);
    }
    const personalCode = result.personalCode;
    // Someone the provider vouched for whom the portal does not know (no staff role, or not in the register):
    // counted, audited with the code masked, and told so.
    const refuseUnknown = async (outcome: 'no-role' | 'not-registered', action: string, channel: 'staff' | 'student') => {
      countSignIn(c, name, outcome);
      await audit(deps.db, { actor: 'public', action, subject: maskPersonalCode(personalCode), channel, details: { provider: name } });
    };
    let subject: SignInSubject;
    if (PROVIDER_AUDIENCE[name] === 'staff') {
      const user = await findStaffUser(deps.db, personalCode);
      if (!user) {
        await refuseUnknown('no-role', 'staff-sign-in.no-role', 'staff');
        return sendHtml(c, noStaffAccessPage(pageContext(c)), 403);
      }
      subject = { kind: 'staff', userId: user.userId, displayName: user.displayName };
    } else {
      const person = await findPersonByCode(deps.db, personalCode);
      if (!person) {
        await refuseUnknown('not-registered', 'sign-in.not-registered', 'student');
        return sendHtml(c, noResultsPage(pageContext(c), PROVIDER_LABELS[name]));
      }
      subject = { kind: 'student', personId: person.personId, displayName: person.displayName };
    }
    try {
      return await begin(c, subject, name, login.returnTo, login);
    } catch (error) {
      // The same answer came back twice and the provider redeemed its code twice: the first made the session.
      if (!(error instanceof LoginAlreadyAnswered)) throw error;
      deps.log.warn('sign-in refused', { provider: name, problem: 'expired', why: 'answered before' });
      return failure(c, 'expired', name);
    }
  });

  app.post(
    '/logout',
    formLimit,
    sameOrigin(deps.publicUrl),
    async (c, next) => {
      // With a session, its CSRF token is needed too; without one there is nothing to end.
      if (c.get('signedIn')) return csrfProtection()(c, next);
      return next();
    },
    async (c) => {
      const signedIn = c.get('signedIn');
      const token = sessionToken(c, secure);
      if (signedIn && (await deps.sessions.delete(token))) {
        await audit(deps.db, {
          actor: signedInActor(signedIn),
          action: 'sign-out',
          channel: signedIn.kind === 'student' ? 'student' : 'staff',
          details: { provider: signedIn.provider },
        });
      }
      clearSessionCookie(c, secure);
      return c.redirect(signedOutHref(signedIn?.kind === 'staff' ? 'staff' : 'student'), 303);
    },
  );

  if (demo) {
    app.post('/login/demo', formLimit, sameOrigin(deps.publicUrl), async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const id = String(body['person_id'] ?? '');
      // Only the students the demo page offers: a development portal must not become "sign in as anyone".
      const offered = await offeredDemoStudents();
      const person = offered.find((s) => String(s.personId) === id);
      if (!person) return c.notFound();
      return signIn(c, person, 'demo', safeReturnTo(String(body['return_to'] ?? '')));
    });
  }

  return app;
}
