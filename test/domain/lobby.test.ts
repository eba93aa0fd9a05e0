import { describe, expect, it } from 'vitest';
import { lobbyTiming } from '../../src/domain/lobby.js';
import { defaultReleaseMoments } from '../../src/domain/release.js';

const HOUR = 60 * 60_000;
const { secondary } = defaultReleaseMoments(2025);
const at = (ms: number) => new Date(ms);

describe('a lobby page’s timing', () => {
  const moment = secondary.getTime();

  it('opens at the student’s own time and, without script, asks again before the sign-in could idle out', () => {
    const opensAt = moment + 17_000;
    expect(lobbyTiming(at(moment - 40 * 60_000), opensAt, 15 * 60_000)).toEqual({ opensInSeconds: 40 * 60 + 17, keepAliveSeconds: 900, refreshSeconds: 900 });
    expect(lobbyTiming(at(moment - 10 * 60_000), opensAt, 15 * 60_000)).toEqual({
      opensInSeconds: 10 * 60 + 17,
      keepAliveSeconds: 900,
      refreshSeconds: 10 * 60 + 17,
    });
  });

  it('never lands before the opening time, and never asks again at once', () => {
    const opensAt = moment + 1500;
    const timing = lobbyTiming(at(moment - 200), opensAt, 15 * 60_000);
    expect(moment - 200 + timing.opensInSeconds * 1000).toBeGreaterThanOrEqual(opensAt);
    expect(moment - 200 + timing.refreshSeconds * 1000).toBeGreaterThanOrEqual(opensAt);
    expect(lobbyTiming(at(opensAt - 1), opensAt, 15 * 60_000).opensInSeconds).toBe(1);
    expect(lobbyTiming(at(opensAt - 1), opensAt, 400).keepAliveSeconds).toBe(1);
    // A keep-alive is rounded down: early is harmless, late may find the sign-in ended.
    expect(lobbyTiming(at(moment - HOUR), opensAt, 1_500_999).keepAliveSeconds).toBe(1500);
  });
});
