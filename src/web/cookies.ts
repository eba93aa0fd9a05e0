/**
 * Every cookie the portal sets, with what it is for and how long it lives: the cookies page lists exactly these,
 * and the routes that set them take their names from here.
 */
import { LOGIN_ATTEMPT_MS } from '../data/web-sessions.js';
import { LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE_SECONDS } from './language.js';
import { sessionCookieName } from './session.js';
import type { PortalCookie } from '../../views/info.js';
import { manualCookieName, ticketCookieName, TICKET_LIFETIME_MS, visitorCookieName } from './waiting-room.js';

/** `__Host-login_state` over HTTPS, `login_state` otherwise: binds a provider round trip to the browser. */
export function loginStateCookieName(secure: boolean): string {
  return secure ? '__Host-login_state' : 'login_state';
}

export interface PortalCookieOptions {
  secure: boolean;
  /** Signing in is offered (without it no session or sign-in cookie is ever set). */
  signIn?: { sessionIdleMinutes: number };
}

export function portalCookies(options: PortalCookieOptions): PortalCookie[] {
  const cookies: PortalCookie[] = [{ name: LANGUAGE_COOKIE, purpose: 'language', lifetime: { kind: 'days', days: LANGUAGE_COOKIE_MAX_AGE_SECONDS / 86400 } }];
  if (options.signIn) {
    cookies.push(
      { name: sessionCookieName(options.secure), purpose: 'session', lifetime: { kind: 'browser', idleMinutes: options.signIn.sessionIdleMinutes } },
      { name: loginStateCookieName(options.secure), purpose: 'loginState', lifetime: { kind: 'minutes', minutes: LOGIN_ATTEMPT_MS / 60_000 } },
    );
  }
  // Set only when the portal is beyond capacity and a visitor waits in line (waiting-room.ts).
  const ticketMinutes = TICKET_LIFETIME_MS / 60_000;
  cookies.push(
    { name: visitorCookieName(options.secure), purpose: 'waitingVisitor', lifetime: { kind: 'minutes', minutes: ticketMinutes } },
    { name: ticketCookieName(options.secure), purpose: 'waitingTicket', lifetime: { kind: 'minutes', minutes: ticketMinutes } },
    { name: manualCookieName(options.secure), purpose: 'waitingManual', lifetime: { kind: 'untilClosed' } },
  );
  return cookies;
}
