/**
 * The home page says from when signing in opens the lobby ("sign in from 08:00"), for each release moment still
 * to come, in both languages, at the moment minus LOBBY_MINUTES; with LOBBY_MINUTES=0 it says nothing of it.
 */
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setReleaseMoments } from '../../src/data/catalogue.js';
import { rigaToInstant } from '../../src/domain/riga-time.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import type { AppEnv } from '../../src/web/context.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

const anyone: MiddlewareHandler<AppEnv> = (_c, next) => next();
const riga = (month: number, day: number, hour: number, minute = 0) => rigaToInstant({ year: 2026, month, day, hour, minute });
/** The 2025/26 moments for this test: basic 26 June 09:00, secondary 3 July 10:30 (Riga). */
const BASIC = riga(6, 26, 9);
const SECONDARY = riga(7, 3, 10, 30);

const BOTH = {
  lv: 'Pieslēgties un sagaidīt rezultātus portālā var no 26.06.2026 plkst. 08:00 (pamatizglītība) un no 03.07.2026 plkst. 09:30 (vispārējā vidējā izglītība)',
  en: 'You can sign in and wait for your results here from 26.06.2026 at 08:00 (basic education) and from 03.07.2026 at 09:30 (general secondary education)',
};
const SECONDARY_ONLY = {
  lv: 'Pieslēgties un sagaidīt vispārējās vidējās izglītības rezultātus portālā var no 03.07.2026 plkst. 09:30',
  en: 'You can sign in and wait for your general secondary education results here from 03.07.2026 at 09:30',
};
/** Words of every form of the sentence, in each language. */
const ANY = { lv: 'Pieslēgties un sagaidīt', en: 'You can sign in and wait' };

describe.each(DATABASE_KINDS)('the home page’s "sign in from" on %s', (kind) => {
  let test: TestDatabase;
  let now = riga(6, 20, 12);
  const home = async (app: ReturnType<typeof createApp>, lang: 'lv' | 'en') => {
    const response = await app.request(`/?lang=${lang}`);
    expect(response.status).toBe(200);
    return response.text();
  };
  const portal = (lobbyMs: number) =>
    createApp({
      db: test.handle.db,
      log: createLogger('silent'),
      clock: () => now,
      student: { requireStudent: anyone, lobby: { lobbyMs, spreadMs: 60_000, keepAliveMs: 15 * 60_000 } },
    });

  beforeAll(async () => {
    test = await openTestDatabase(kind);
    await setReleaseMoments(test.handle.db, 'test', 2025, { basic: BASIC, secondary: SECONDARY }, { now });
  });
  afterAll(async () => test?.close());

  it('gives the moment minus the lobby time for each moment still to come, in Latvian and English', async () => {
    const app = portal(60 * 60_000);
    for (const lang of ['lv', 'en'] as const) {
      now = riga(6, 20, 12);
      const before = await home(app, lang);
      expect(before).toContain(BOTH[lang]);
      // Within the basic lobby it still holds: signing in now opens the lobby.
      now = riga(6, 26, 8, 30);
      expect(await home(app, lang)).toContain(BOTH[lang]);
      // Basic released: only secondary's time is left to say.
      now = BASIC;
      const between = await home(app, lang);
      expect(between).toContain(SECONDARY_ONLY[lang]);
      expect(between).not.toContain(BOTH[lang]);
      // Both released: nothing to sign in early for.
      now = SECONDARY;
      const after = await home(app, lang);
      expect(after).toContain(lang === 'lv' ? 'pieejami kopš 03.07.2026 plkst. 10:30' : 'available since 03.07.2026 at 10:30');
      expect(after).not.toContain(ANY[lang]);
    }
  });

  it('follows LOBBY_MINUTES, and with LOBBY_MINUTES=0 says nothing of signing in early', async () => {
    now = riga(6, 20, 12);
    expect(await home(portal(90 * 60_000), 'lv')).toContain('no 26.06.2026 plkst. 07:30 (pamatizglītība) un no 03.07.2026 plkst. 09:00');
    const noLobby = portal(0);
    for (const lang of ['lv', 'en'] as const) {
      const page = await home(noLobby, lang);
      expect(page).toContain(lang === 'lv' ? 'būs pieejami no 26.06.2026 plkst. 09:00' : 'open on 26.06.2026 at 09:00');
      expect(page).not.toContain(ANY[lang]);
    }
  });
});
