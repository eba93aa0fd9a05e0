/**
 * Uploaded certificates are checked in the verification worker pool, never on the HTTP thread: a real node server
 * with the real pool keeps answering /healthz while a hostile upload is refused, a check past its time limit is
 * stopped, and a full queue is refused at once with Retry-After.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { sealCertificate } from '../../src/sealing/seal.js';
import { openSigner } from '../../src/sealing/signer-spec.js';
import { prepareSealing, type SealingSetup } from '../../src/sealing/setup.js';
import { VerificationPool } from '../../src/sealing/verify-pool.js';
import { createApp } from '../../src/web/app.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { kumalFacts } from '../support/facts.js';
import { lyingAsice } from '../support/lying-zip.js';

/** What the review asked of /healthz while an upload is being checked. */
const HEALTHZ_MS = 200;
const STUCK_WORKER = join(import.meta.dirname, '..', 'support', 'stuck-verify-worker.ts');

let dataDir: string;
let setup: SealingSetup;
let genuine: Uint8Array;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'verify-upload-'));
  setup = await prepareSealing({ environment: 'development', dataDir, sealing: { workers: 1, queue: 10 } });
  const signer = await openSigner(setup.signer);
  genuine = (await sealCertificate(kumalFacts(), { signer })).edoc;
  await signer.close();
});

afterAll(async () => {
  await setup.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Portal {
  base: string;
  pool: VerificationPool;
  close(): Promise<void>;
}

async function startPortal(db: TestDatabase, pool: VerificationPool): Promise<Portal> {
  const app = createApp({ db: db.handle.db, log: createLogger('silent'), trust: setup.trust, verifyUpload: pool.verify });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pool,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
    },
  };
}

function upload(portal: Portal, bytes: Uint8Array, lang = 'en'): Promise<Response> {
  const form = new FormData();
  form.append('edoc', new Blob([bytes]), 'sertifikats.edoc');
  return fetch(`${portal.base}/verify?lang=${lang}`, { method: 'POST', body: form });
}

/** Asks /healthz again and again until `done` settles (and at least `minimum` times); the time each took. */
/**
 * The typical /healthz answer. A check on the HTTP thread would hold every answer during it for seconds; one
 * slow answer alone only says the shared machine was busy for a moment.
 */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function healthzWhile(portal: Portal, done: Promise<unknown>, minimum = 5): Promise<{ all: number[]; during: number }> {
  let settled = false;
  void done.finally(() => (settled = true));
  const all: number[] = [];
  let during = 0;
  while (!settled || all.length < minimum) {
    const wasPending = !settled;
    const started = performance.now();
    const res = await fetch(`${portal.base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    all.push(performance.now() - started);
    if (wasPending && !settled) during++;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { all, during };
}

/** Both the worker threads and this connection have started, so what is measured is the upload alone. */
async function warmUp(portal: Portal): Promise<void> {
  await (await upload(portal, new TextEncoder().encode('not a zip'))).text();
  await (await fetch(`${portal.base}/healthz`)).text();
}

describe.each(DATABASE_KINDS)('uploads checked in the verification pool, on %s', (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(async () => test.close());

  describe('with the real worker', () => {
    let portal: Portal;
    beforeAll(async () => {
      portal = await startPortal(test, new VerificationPool({ trust: setup.trust, workers: 1 }));
      await warmUp(portal);
    });
    afterAll(async () => portal.close());

    it('says a genuine certificate is genuine, its report brought back whole from the worker', async () => {
      const body = await (await upload(portal, genuine)).text();
      // Sealed with the agency's key but never registered: the register does not vouch for it.
      expect(body).toContain('Not genuine</h1>');
      expect(body).toContain('Sealing time as stated by the signer');
      expect(body).toContain('The register has no certificate with this number.');
    });

    it(`refuses an upload whose ZIP under-states 4 GiB of zeros as too large, /healthz answering within ${HEALTHZ_MS} ms meanwhile`, async () => {
      const hostile = await lyingAsice({ bombs: 4, mebibytes: 1024 });
      expect(hostile.length).toBeLessThan(5 * 1024 * 1024);
      const answer = upload(portal, hostile).then(async (res) => ({ status: res.status, body: await res.text() }));
      const healthz = await healthzWhile(portal, answer);
      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(body).toContain('The container holds a file that is too large; it is not opened.');
      expect(body).toContain('Not genuine</h1>');
      expect(healthz.during).toBeGreaterThanOrEqual(1);
      expect(median(healthz.all)).toBeLessThan(HEALTHZ_MS);
    });
  });

  describe('with a worker that never finishes', () => {
    let portal: Portal;
    afterAll(async () => portal?.close());

    it(`stops a check past its time limit and says so, /healthz answering within ${HEALTHZ_MS} ms meanwhile`, async () => {
      portal = await startPortal(test, new VerificationPool({ trust: setup.trust, workers: 1, timeoutMs: 1500, workerFile: STUCK_WORKER }));
      await (await fetch(`${portal.base}/healthz`)).text();
      const answer = upload(portal, new TextEncoder().encode('spin: a check that keeps the CPU busy')).then(async (res) => ({
        status: res.status,
        body: await res.text(),
      }));
      const healthz = await healthzWhile(portal, answer);
      const { status, body } = await answer;
      expect(status).toBe(422);
      expect(body).toContain('Checking this file took longer than 2 seconds and was stopped');
      expect(healthz.during).toBeGreaterThanOrEqual(5);
      expect(median(healthz.all)).toBeLessThan(HEALTHZ_MS);

      // The stopped thread is replaced: the pool keeps working.
      const lv = await upload(portal, new TextEncoder().encode('spin again'), 'lv');
      expect(lv.status).toBe(422);
      expect(await lv.text()).toContain('Šīs datnes pārbaude ilga vairāk nekā 2 sekundes un tika pārtraukta');
    });

    it('refuses at once with 503, Retry-After and a page in the visitor’s language when the queue is full', async () => {
      const busy = await startPortal(
        test,
        new VerificationPool({ trust: setup.trust, workers: 1, queue: 1, timeoutMs: 5000, retryAfterSeconds: 7, workerFile: STUCK_WORKER }),
      );
      try {
        // One check held by the worker (or waiting for it to start), one waiting: the queue is full.
        const held = [upload(busy, new TextEncoder().encode('wait 1')), upload(busy, new TextEncoder().encode('wait 2'))];
        for (const startedAt = Date.now(); !busy.pool.full; await new Promise((resolve) => setTimeout(resolve, 20))) {
          if (Date.now() - startedAt > 30_000) throw new Error('the verification queue never filled');
        }
        for (const [lang, text] of [
          ['lv', 'Šobrīd tiek pārbaudīts ļoti daudz datņu. Lūdzu, mēģiniet vēlreiz pēc 7 sekundēm.'],
          ['en', 'Very many files are being checked right now. Please try again in 7 seconds.'],
        ] as const) {
          const res = await upload(busy, genuine, lang);
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('7');
          expect(await res.text()).toContain(text);
        }
        // Those two end at their time limit.
        for (const res of await Promise.all(held)) expect([422, 503]).toContain(res.status);
      } finally {
        await busy.close();
      }
    });
  });
});
