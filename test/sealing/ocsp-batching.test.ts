/**
 * The batch rule for OCSP responses (src/sealing/ocsp-batching.ts), with a fetch the test controls and a clock
 * that only moves when the test says: a response is reused only while it was produced at or after a document's
 * time-stamp and within 15 minutes of it, documents waiting together share one fetch, and a response produced
 * before a time-stamp is never handed out.
 */
import { describe, expect, it } from 'vitest';
import { BatchedOcsp, MAX_OCSP_DELAY_MS } from '../../src/sealing/ocsp-batching.js';
import { OcspError } from '../../src/sealing/ocsp-error.js';
import type { CheckedOcspResponse } from '../../src/sealing/ocsp-response.js';

/** The promise, marked as handled: the test looks at its rejection only after the responder answered. */
function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

const T0 = Date.parse('2026-07-03T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

function response(producedAtMs: number): CheckedOcspResponse {
  return {
    der: Uint8Array.of(producedAtMs & 0xff),
    producedAt: at(producedAtMs),
    thisUpdate: at(producedAtMs),
    nextUpdate: at(producedAtMs + 60 * 60 * 1000),
    responderCertificate: undefined,
  };
}

/** A responder whose answers the test releases one by one, each produced at the clock's time when released. */
function controlledResponder() {
  let clock = 0;
  const pending: { resolve: (r: CheckedOcspResponse) => void; reject: (e: Error) => void }[] = [];
  const sleeps: number[] = [];
  const batch = new BatchedOcsp({
    fetch: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    now: () => T0 + clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    batch,
    sleeps,
    pending,
    setClock: (ms: number) => (clock = ms),
    /** Answers the oldest request with a response produced at `producedAtMs` (default: now). */
    async answer(producedAtMs = clock) {
      await settle();
      const next = pending.shift();
      if (!next) throw new Error('no request is waiting');
      next.resolve(response(producedAtMs));
      await settle();
    },
    async fail() {
      await settle();
      pending.shift()!.reject(new OcspError('unreachable', 'down'));
      await settle();
    },
    settle,
  };
}

describe('one OCSP response for many documents', () => {
  it('documents time-stamped before a fetch share it; the fetch is made once', async () => {
    const r = controlledResponder();
    r.setClock(1000);
    const waiting = [r.batch.after(at(100)), r.batch.after(at(500)), r.batch.after(at(999))];
    await r.answer(1200);
    const responses = await Promise.all(waiting);
    expect(new Set(responses).size).toBe(1);
    expect(responses[0]!.producedAt).toEqual(at(1200));
    expect(r.batch.fetches).toBe(1);
  });

  it('reuses the latest response for a document time-stamped before it was produced, within 15 minutes', async () => {
    const r = controlledResponder();
    r.setClock(5000);
    const first = r.batch.after(at(4000));
    await r.answer(5000);
    await first;
    // Time-stamped at or before 5000 ms: the response fits, no new fetch.
    expect((await r.batch.after(at(4500))).producedAt).toEqual(at(5000));
    expect((await r.batch.after(at(5000))).producedAt).toEqual(at(5000));
    expect(r.batch.fetches).toBe(1);
  });

  it('never hands out a response produced before the time-stamp: a later document waits for a fresh one', async () => {
    const r = controlledResponder();
    r.setClock(5000);
    const first = r.batch.after(at(4000));
    await r.answer(5000);
    await first;
    r.setClock(6000);
    const later = r.batch.after(at(5001));
    await r.settle();
    expect(r.pending).toHaveLength(1);
    await r.answer(6000);
    const fresh = await later;
    expect(fresh.producedAt.getTime()).toBeGreaterThanOrEqual(at(5001).getTime());
    expect(r.batch.fetches).toBe(2);
  });

  it('does not reuse a response produced more than 15 minutes after the time-stamp', async () => {
    const r = controlledResponder();
    r.setClock(MAX_OCSP_DELAY_MS + 10_000);
    const old = later(r.batch.after(at(0)));
    await r.answer(MAX_OCSP_DELAY_MS + 10_000);
    // The only response the fetch brought is too late for a time-stamp at 0: refused, not embedded.
    await expect(old).rejects.toMatchObject({ reason: 'not-fresh' });
    // A document time-stamped 15 minutes before the response still takes it.
    expect((await r.batch.after(at(10_000))).producedAt).toEqual(at(MAX_OCSP_DELAY_MS + 10_000));
  });

  it('documents arriving while a fetch is under way take it if it was produced after their time-stamp, else the next one', async () => {
    const r = controlledResponder();
    r.setClock(1000);
    const a = r.batch.after(at(1000));
    await r.settle();
    expect(r.pending).toHaveLength(1);
    r.setClock(1500);
    const b = r.batch.after(at(1400)); // arrives while the first fetch is under way
    const c = r.batch.after(at(1700)); // time-stamped after the first response will be produced
    await r.answer(1600); // produced at 1600: fits a and b, not c
    expect((await a).producedAt).toEqual(at(1600));
    expect((await b).producedAt).toEqual(at(1600));
    await r.settle();
    expect(r.pending).toHaveLength(1);
    r.setClock(1800);
    await r.answer(1800);
    expect((await c).producedAt).toEqual(at(1800));
    expect(r.batch.fetches).toBe(2);
  });

  it('asks once more after the next whole second when a fresh response is dated just before the time-stamp, then gives up', async () => {
    const r = controlledResponder();
    r.setClock(2000);
    const document = r.batch.after(at(2300)); // a responder dating in whole seconds answers 2000
    await r.answer(2000);
    expect(r.sleeps).toEqual([1000]); // until 3000, the next whole second after 2300
    await r.answer(3000);
    expect((await document).producedAt).toEqual(at(3000));

    const behind = later(r.batch.after(at(10_500)));
    await r.answer(9000);
    await r.answer(9500); // still behind the time-stamp after the second try
    await expect(behind).rejects.toBeInstanceOf(OcspError);
    await expect(behind).rejects.toMatchObject({ reason: 'not-fresh' });
  });

  it('a failed fetch fails the documents that waited for it; the next document fetches again', async () => {
    const r = controlledResponder();
    const waiting = [later(r.batch.after(at(0))), later(r.batch.after(at(0)))];
    await r.fail();
    for (const w of waiting) await expect(w).rejects.toMatchObject({ reason: 'unreachable' });
    const next = r.batch.after(at(0));
    await r.answer(10);
    expect((await next).producedAt).toEqual(at(10));
    expect(r.batch.fetches).toBe(2);
  });
});
