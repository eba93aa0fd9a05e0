import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { until } from '../support/progress.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createApp } from '../../src/web/app.js';
import { eventLoopLagMs, RETRY_AFTER_RANGE_SECONDS, retryAfterSeconds } from '../../src/web/overload.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

let test: TestDatabase;
beforeAll(async () => {
  test = await openTestDatabase('sqlite');
});
afterAll(async () => test.close());

async function expectBusyPage(res: Response) {
  expect(res.status).toBe(503);
  // Spread at random, so a crowd refused together does not come back together.
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(RETRY_AFTER_RANGE_SECONDS.min);
  expect(retryAfter).toBeLessThanOrEqual(RETRY_AFTER_RANGE_SECONDS.max);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(bytes.length).toBeLessThan(5000);
  const body = new TextDecoder().decode(bytes);
  // No timed refresh (WCAG 2.2.1): a link lets the visitor try again when they choose.
  expect(body).not.toContain('http-equiv="refresh"');
  expect(body).toContain('<a href="">Mēģināt vēlreiz</a>');
  expect(body).toContain('Lapa uz brīdi nav pieejama');
  expect(body).toContain('This page is briefly unavailable');
  expect(body).toContain('Valsts izglītības attīstības aģentūra');
  expect(body).toContain('href="mailto:');
  expect(body).not.toContain('<script');
}

describe('overload protection', () => {
  it('has its settings with defaults, checked at start', () => {
    expect(loadConfig({}).overload).toEqual({ maxLagMs: 200, maxInFlight: 1000 });
    expect(loadConfig({ OVERLOAD_MAX_LAG_MS: '50', OVERLOAD_MAX_IN_FLIGHT: '20' }).overload).toEqual({ maxLagMs: 50, maxInFlight: 20 });
    expect(() => loadConfig({ OVERLOAD_MAX_LAG_MS: '0', OVERLOAD_MAX_IN_FLIGHT: 'lots' })).toThrow(
      /OVERLOAD_MAX_LAG_MS="0"[\s\S]*OVERLOAD_MAX_IN_FLIGHT="lots"/,
    );
  });

  it('refuses new requests at once when too many are in flight, and lets the ones in progress finish', async () => {
    const logLines: string[] = [];
    const app = createApp({ db: test.handle.db, log: createLogger('info', (line) => logLines.push(line)), overload: { maxLagMs: 60_000, maxInFlight: 3 } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    app.get('/held', async (c) => {
      entered++;
      await gate;
      return c.html('<p>done</p>');
    });

    const held = [1, 2, 3].map(() => app.request('/held'));
    await until(() => entered === 3);

    const started = performance.now();
    const refused = await app.request('/');
    expect(performance.now() - started).toBeLessThan(100);
    await expectBusyPage(refused);
    await expectBusyPage(await app.request('/held'));
    expect(entered).toBe(3); // the refused ones never reached a handler
    // Health checks and static files are never refused.
    expect((await app.request('/healthz')).status).toBe(200);
    const css = /href="(\/static\/app\.[0-9a-f]{10}\.css)"/.exec(
      await (await createApp({ db: test.handle.db, log: createLogger('silent') }).request('/')).text(),
    )![1]!;
    expect((await app.request(css)).status).toBe(200);
    expect(logLines.some((line) => line.includes('overloaded'))).toBe(true);

    release();
    const done = await Promise.all(held);
    for (const res of done) {
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('<p>done</p>');
    }
    // Room again: new requests are served.
    expect((await app.request('/')).status).toBe(200);
  });

  it('spreads Retry-After over its whole range', () => {
    expect(retryAfterSeconds(() => 0)).toBe(RETRY_AFTER_RANGE_SECONDS.min);
    expect(retryAfterSeconds(() => 0.999999)).toBe(RETRY_AFTER_RANGE_SECONDS.max);
    expect(new Set(Array.from({ length: 200 }, () => retryAfterSeconds())).size).toBeGreaterThan(5);
  });

  describe('with the event loop blocked', () => {
    let server: ServerType;
    let base: string;
    beforeAll(async () => {
      const app = createApp({ db: test.handle.db, log: createLogger('silent'), overload: { maxLagMs: 200, maxInFlight: 1000 } });
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      });
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('serves a lone request right after the loop stalled past the bound: one stall with nobody else waiting is not overload', async () => {
      await until(() => eventLoopLagMs() < 100);
      expect((await fetch(`${base}/`)).status).toBe(200);

      const blockedUntil = Date.now() + 300;
      while (Date.now() < blockedUntil) {
        // busy: the event loop cannot turn
      }
      expect((await fetch(`${base}/?lang=en`)).status).toBe(200);
      expect(eventLoopLagMs()).toBeGreaterThan(250); // the stall was seen, and still the visitor was served
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });
  });
});
