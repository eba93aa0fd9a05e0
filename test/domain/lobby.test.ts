import { describe, expect, it } from 'vitest';
import { announcedSignIn, lobbyMoment, lobbyTiming, renderAheadMoments, resultsTimeState } from '../../src/domain/lobby.js';
import { defaultReleaseMoments } from '../../src/domain/release.js';
import { formatRigaDateTime, rigaToInstant } from '../../src/domain/riga-time.js';

const HOUR = 60 * 60_000;
const { secondary } = defaultReleaseMoments(2025);
const at = (ms: number) => new Date(ms);

describe('sign-in from the lobby’s opening', () => {
  it('announces the moment minus the lobby time, in Riga time: 09:00 with an hour’s lobby is 08:00', () => {
    const from = announcedSignIn(secondary, at(secondary.getTime() - 5 * 24 * HOUR), HOUR);
    expect(formatRigaDateTime(from!)).toBe('03.07.2026 08:00');
    expect(formatRigaDateTime(announcedSignIn(secondary, at(secondary.getTime() - 24 * HOUR), 90 * 60_000)!)).toBe('03.07.2026 07:30');
  });

  it('counts the lobby in real time across a change of the clocks', () => {
    // 29 March 2026: Riga's clocks go from 03:00 to 04:00. Twelve hours before 09:00 is 20:00 the evening before.
    const moment = rigaToInstant({ year: 2026, month: 3, day: 29, hour: 9, minute: 0 });
    expect(formatRigaDateTime(announcedSignIn(moment, at(moment.getTime() - 24 * HOUR), 12 * HOUR)!)).toBe('28.03.2026 20:00');
  });

  it('is what the lobby keeps: from the announced time on, a student waiting for the moment is in its lobby, not a millisecond earlier', () => {
    const now = at(secondary.getTime() - 3 * 24 * HOUR);
    const from = announcedSignIn(secondary, now, HOUR)!.getTime();
    expect(lobbyMoment([secondary.getTime()], at(from - 1), HOUR)).toBeUndefined();
    expect(lobbyMoment([secondary.getTime()], at(from), HOUR)).toBe(secondary.getTime());
    expect(resultsTimeState([secondary.getTime()], at(from - 1), HOUR)).toBe('p');
    expect(resultsTimeState([secondary.getTime()], at(from), HOUR)).toBe('l');
  });

  it('is announced while the moment is still to come (in its lobby too), and no more from the moment on', () => {
    expect(announcedSignIn(secondary, at(secondary.getTime() - 10 * 60_000), HOUR)).toBeDefined();
    expect(announcedSignIn(secondary, at(secondary.getTime() - 1), HOUR)).toBeDefined();
    expect(announcedSignIn(secondary, secondary, HOUR)).toBeUndefined();
    expect(announcedSignIn(secondary, at(secondary.getTime() + HOUR), HOUR)).toBeUndefined();
  });

  it('says nothing without a lobby (LOBBY_MINUTES=0)', () => {
    expect(announcedSignIn(secondary, at(secondary.getTime() - 24 * HOUR), 0)).toBeUndefined();
    expect(lobbyMoment([secondary.getTime()], at(secondary.getTime() - 1), 0)).toBeUndefined();
  });
});

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

describe('results pages rendered ahead', () => {
  const nine = Date.parse('2026-07-03T06:00:00Z');
  const other = Date.parse('2026-06-20T06:00:00Z');
  const at = (offsetMinutes: number) => new Date(nine + offsetMinutes * 60_000);

  it('from an hour before a moment until three hours after it, as of the moment while it is still to come', () => {
    expect(renderAheadMoments([nine, other], at(-61))).toEqual([]);
    expect(renderAheadMoments([nine, other], at(-60))).toEqual([{ moment: nine, asOf: new Date(nine) }]);
    expect(renderAheadMoments([nine, other, nine], at(-1))).toEqual([{ moment: nine, asOf: new Date(nine) }]);
    // After the moment, as of now: the page is what a visit would render now.
    expect(renderAheadMoments([nine], at(30))).toEqual([{ moment: nine, asOf: at(30) }]);
    expect(renderAheadMoments([nine], at(180))).toEqual([{ moment: nine, asOf: at(180) }]);
    expect(renderAheadMoments([nine], at(181))).toEqual([]);
  });

  it('as of a time whose pages time alone never serves before the moment', () => {
    const asOf = renderAheadMoments([nine], at(-30))[0]!.asOf;
    // A page rendered as of the moment has the state of after it: not the state of any time before it.
    expect(resultsTimeState([nine], asOf, 60 * 60_000)).not.toBe(resultsTimeState([nine], at(-30), 60 * 60_000));
    expect(resultsTimeState([nine], asOf, 60 * 60_000)).not.toBe(resultsTimeState([nine], new Date(nine - 1), 60 * 60_000));
    expect(resultsTimeState([nine], asOf, 60 * 60_000)).toBe(resultsTimeState([nine], at(1), 60 * 60_000));
  });
});
