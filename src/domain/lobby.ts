/**
 * Results day: the lobby before a release moment, and how time alone changes a student's results page. Pure
 * rules; the web layer asks them with its clock.
 *
 * From `lobbyMs` before a release moment a student waiting for it gets a lobby instead of the plain "results open
 * at …" notice: the time left, and a page that opens the results by itself at the moment plus a spread of up to
 * `spreadMs`, so that a whole country's browsers do not all ask in the same second. The home page announces when
 * the lobby opens ("sign in from 08:00"), so the sign-ins come over that hour rather than at the moment.
 */
import { isInStudentWindow, isReleased } from './release.js';

export interface LobbySettings {
  /** How long before a release moment the lobby opens (LOBBY_MINUTES). */
  lobbyMs: number;
  /** The longest wait after the moment before a lobby page opens the results by itself (LOBBY_SPREAD_SECONDS). */
  spreadMs: number;
  /** The longest a lobby page waits before asking again, so its sign-in does not idle out (half the idle time). */
  keepAliveMs: number;
}

/** When the lobby of a release moment opens: from then a student who signs in waits for the results on its page. */
export function lobbyOpensAt(moment: number, lobbyMs: number): number {
  return moment - lobbyMs;
}

/** Whether `now` is within the lobby of a release moment still to come. */
function inLobby(moment: number, now: Date, lobbyMs: number): boolean {
  return !isReleased(new Date(moment), now) && now.getTime() >= lobbyOpensAt(moment, lobbyMs);
}

/** The release moment a student waiting at `now` is in the lobby for: the nearest one still to come within the lobby time. */
export function lobbyMoment(pendingMoments: readonly number[], now: Date, lobbyMs: number): number | undefined {
  let nearest: number | undefined;
  for (const moment of pendingMoments) {
    if (inLobby(moment, now, lobbyMs) && (nearest === undefined || moment < nearest)) nearest = moment;
  }
  return nearest;
}

/**
 * The time to announce as "sign in from …" for a release moment (the home page): when its lobby opens, while the
 * moment is still to come. None without a lobby (LOBBY_MINUTES=0): signing in early then only shows when
 * the results open.
 */
export function announcedSignIn(moment: Date, now: Date, lobbyMs: number): Date | undefined {
  if (lobbyMs <= 0 || isReleased(moment, now)) return undefined;
  return new Date(lobbyOpensAt(moment.getTime(), lobbyMs));
}

/**
 * This person's place within the spread after a moment, in whole seconds: evenly spread over people, and the same
 * on every visit and every instance (a reload does not draw again). Always leaves the last second free, so a
 * refresh rounded up to a whole second still lands within the spread.
 */
export function spreadOffsetMs(personId: number, moment: number, spreadMs: number): number {
  const seconds = Math.floor(spreadMs / 1000);
  if (seconds <= 1) return 0;
  return (mix(personId, Math.floor(moment / 1000)) % seconds) * 1000;
}

/** When a lobby page opens the results by itself and keeps its sign-in alive until then, in whole seconds from now. */
export interface LobbyTiming {
  /** Until the person's opening time (moment + their place in the spread): a script opens the results then. */
  opensInSeconds: number;
  /** Between a script's keep-alive requests, which keep the sign-in from idling out without reloading the page. */
  keepAliveSeconds: number;
  /**
   * Until a page without script asks again (its meta refresh): at the opening time, or earlier to keep the sign-in
   * alive, after which it times itself again.
   */
  refreshSeconds: number;
}

/** A lobby page's timing at `now`; never 0 seconds, so a page is never asked for in a loop. */
export function lobbyTiming(now: Date, opensAt: number, keepAliveMs: number): LobbyTiming {
  const untilOpening = opensAt - now.getTime();
  return {
    opensInSeconds: Math.max(1, Math.ceil(untilOpening / 1000)),
    // Rounded down: a keep-alive a little early is harmless, a late one may find the sign-in ended.
    keepAliveSeconds: Math.max(1, Math.floor(keepAliveMs / 1000)),
    refreshSeconds: Math.max(1, Math.ceil(Math.min(untilOpening, keepAliveMs) / 1000)),
  };
}

/**
 * What time alone decides about a page made of results with these release moments, at `now`: for each moment,
 * whether it is still to come (before or within the lobby), released and shown, or released and out of the
 * six-month window. A page rendered at one state is the right page at any moment with the same state.
 */
export function resultsTimeState(moments: readonly number[], now: Date, lobbyMs: number): string {
  let state = '';
  for (const moment of moments) {
    const at = new Date(moment);
    if (!isReleased(at, now)) state += inLobby(moment, now, lobbyMs) ? 'l' : 'p';
    else state += isInStudentWindow(at, now) ? 'r' : 'o';
  }
  return state;
}

/** An even 32-bit mix of two whole numbers (murmur3's finaliser over both): consecutive ids land far apart. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Results pages are rendered ahead from this long before a release moment (the hour of the default lobby). */
export const RENDER_AHEAD_BEFORE_MS = 60 * 60_000;
/** … and still after it, for an instance that starts late: results day's crowd stays for hours. */
export const RENDER_AHEAD_AFTER_MS = 3 * 60 * 60_000;

/**
 * The release moments whose students' results pages are rendered ahead at `now`, and the time to render them as of:
 * the moment itself while it is still to come. Such a page shows the results, and is served only once time alone
 * would render it the same (resultsTimeState), which is never before the moment.
 */
export function renderAheadMoments(moments: readonly number[], now: Date): { moment: number; asOf: Date }[] {
  return [...new Set(moments)]
    .filter((moment) => now.getTime() >= moment - RENDER_AHEAD_BEFORE_MS && now.getTime() <= moment + RENDER_AHEAD_AFTER_MS)
    .sort((a, b) => a - b)
    .map((moment) => ({ moment, asOf: new Date(Math.max(moment, now.getTime())) }));
}
