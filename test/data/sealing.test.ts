import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificates } from '../../src/data/certificates.js';
import { sealPendingCertificates } from '../../src/data/sealing.js';
import { importScores } from '../../src/data/scores.js';
import { parsePemCertificates } from '../../src/sealing/pem.js';
import { PoolBusyError, SealingPool } from '../../src/sealing/pool.js';
import type { SealingSetup } from '../../src/sealing/setup.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { startTestSealing, type TestSealing } from '../support/sealing.js';
import { DATABASE_KINDS, openTestDatabase } from '../support/databases.js';
import { seedSession } from '../support/register.js';

let sealing: TestSealing;
let setup: SealingSetup;
let pool: SealingPool;

beforeAll(async () => {
  sealing = await startTestSealing(2);
  ({ setup, pool } = sealing);
});

afterAll(async () => sealing.close());

async function sessionWithCertificates(db: Parameters<typeof seedSession>[0], candidates: number) {
  const s = await seedSession(db, { examCode: 'KUMAL', candidates });
  const rows = s.candidateCodes.map((code, i) => `${code},yes,${i % 55},${i % 34}`);
  const file = { bytes: new TextEncoder().encode(['candidate_code,took_part,part_1,part_2', ...rows].join('\n')), name: 's.csv' };
  await importScores(db, s.sessionId, file, 't');
  await issueCertificates(db, s.sessionId, { actor: 't', issuedOn: '2026-06-30' });
  return s;
}

describe.each(DATABASE_KINDS)('sealing issued certificates on %s', (kind) => {
  it('seals each certificate once, B-LT, verifiable; a second run seals nothing; documents cannot be changed', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 12);
      const first = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't', batchSize: 5 });
      expect(first).toEqual({ sealed: 12, failed: [], levels: { 'B-LT': 12, 'B-T': 0, 'B-B': 0 } });
      const again = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(again.sealed).toBe(0);

      const documents = await db.selectFrom('certificate_documents').innerJoin('certificates', 'certificates.id', 'certificate_documents.certificate_id').select(['certificates.number', 'edoc', 'sha256']).execute();
      expect(documents).toHaveLength(12);
      const one = documents[0]!;
      const report = await verifyEdoc(new Uint8Array(one.edoc), setup.trust);
      expect(report).toMatchObject({ genuine: true, level: 'B-LT', sha256: one.sha256 });
      expect(report.facts?.number).toBe(one.number);
      expect(report.facts?.personalCode).toMatch(/^\d{6}-\d{5}$/);

      await expect(db.updateTable('certificate_documents').set({ sha256: '0'.repeat(64) }).execute()).rejects.toThrow(/immutable/);
    } finally {
      await test.close();
    }
  });

  it('loses nothing when a worker dies mid-run or the run is stopped, and resumes where it stopped', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 20);
      let calls = 0;
      let lost = 0;
      const stop = new AbortController();
      const crashing = async (facts: Parameters<typeof pool.seal>[0]) => {
        calls++;
        if (calls === 3) setTimeout(() => void pool.piscina.threads[0]?.terminate(), 0);
        if (calls === 12) stop.abort();
        return pool.seal(facts).catch((error: unknown) => {
          lost++;
          throw error;
        });
      };
      const interrupted = await sealPendingCertificates(db, crashing, { sessionId: s.sessionId, actor: 't', batchSize: 4, concurrency: 4, signal: stop.signal });
      expect(lost).toBeGreaterThan(0);
      expect(interrupted.sealed).toBeLessThan(20);
      const resumed = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(interrupted.sealed + resumed.sealed).toBe(20);
      expect(resumed.failed).toEqual([]);
      const stored = await db.selectFrom('certificate_documents').select(['certificate_id', 'sha256']).execute();
      expect(stored).toHaveLength(20);
      expect(new Set(stored.map((d) => d.certificate_id)).size).toBe(20);
    } finally {
      await test.close();
    }
  });

  it('waits out a full queue instead of counting it as a failure', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 4);
      let refusals = 0;
      const busyAtFirst = async (facts: Parameters<typeof pool.seal>[0]) => {
        if (refusals < 6) {
          refusals++;
          throw new PoolBusyError(1);
        }
        return pool.seal(facts);
      };
      const result = await sealPendingCertificates(db, busyAtFirst, { sessionId: s.sessionId, actor: 't', concurrency: 2 });
      expect(refusals).toBe(6);
      expect(result).toMatchObject({ sealed: 4, failed: [] });
    } finally {
      await test.close();
    }
  });

  it('stores nothing for a revoked seal and seals every certificate on a later run once it is good again', async () => {
    const test = await openTestDatabase(kind);
    const serial = new X509Certificate(parsePemCertificates(readFileSync(join(sealing.pkiDir, 'seal.chain.pem'), 'utf8'))[0]!).serialNumber;
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 3);
      setup.developmentOcsp!.revoke(serial);
      const refused = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(refused.sealed).toBe(0);
      expect(refused.failed).toHaveLength(3);
      for (const failure of refused.failed) expect(failure.reason).toMatch(/revoked/);
      expect(await db.selectFrom('certificate_documents').select('certificate_id').execute()).toEqual([]);

      setup.developmentOcsp!.reinstate(serial);
      const later = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(later).toEqual({ sealed: 3, failed: [], levels: { 'B-LT': 3, 'B-T': 0, 'B-B': 0 } });
    } finally {
      setup.developmentOcsp!.reinstate(serial);
      await test.close();
    }
  });

  it('stores nothing while the OCSP responder does not answer, as when the time-stamp authority does not', async () => {
    const test = await openTestDatabase(kind);
    const longTerm = { ...setup.longTerm!, ocspUrls: { ...setup.longTerm!.ocspUrls, seal: 'http://127.0.0.1:9/' } };
    const unreachable = new SealingPool({ signer: setup.signer, tsaUrl: setup.tsaUrl, longTerm, workers: 1, queue: 100 });
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 2);
      const result = await sealPendingCertificates(db, (f) => unreachable.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(result).toMatchObject({ sealed: 0, levels: { 'B-LT': 0, 'B-T': 0, 'B-B': 0 } });
      expect(result.failed.map((f) => f.reason)).toEqual([expect.stringMatching(/OCSP responder .* did not answer/), expect.stringMatching(/OCSP responder .* did not answer/)]);
      expect(await db.selectFrom('certificate_documents').select('certificate_id').execute()).toEqual([]);
      // The responder back: the next run seals them.
      expect((await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' })).sealed).toBe(2);
    } finally {
      await unreachable.close();
      await test.close();
    }
  });

  it('leaves annulled certificates unsealed', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const s = await sessionWithCertificates(db, 3);
      await db.updateTable('certificates').set({ state: 'annulled', annulled_reason: 'x', annulled_at: '2026-07-01T00:00:00.000Z' }).where('number', 'like', `%${s.candidateCodes[0]}%`).execute();
      const result = await sealPendingCertificates(db, (f) => pool.seal(f), { sessionId: s.sessionId, actor: 't' });
      expect(result.sealed).toBe(2);
    } finally {
      await test.close();
    }
  });
});

describe('the sealing pool', () => {
  it('refuses at once when its queue is full, instead of waiting', async () => {
    const small = new SealingPool({ signer: setup.signer, workers: 1, queue: 2, tasksPerWorker: 1 });
    try {
      const facts = {
        kind: 'basic' as const, number: '2026/300000000001-LAT09', firstName: 'Anna', lastName: 'Liepa', personalCode: '161175-19997',
        examCode: 'LAT09', subjectLvLocative: 'latviešu valodā', subjectLv: 'latviešu valoda', subjectEn: 'Latvian', level: null,
        schoolYear: 2025, total: 68, parts: [{ nameLv: '1. daļa', nameEn: 'Part 1', percent: 56 }], issuedOn: '2026-06-17',
      };
      const accepted = Array.from({ length: 3 }, () => small.seal(facts));
      await expect(small.seal(facts)).rejects.toBeInstanceOf(PoolBusyError);
      const documents = await Promise.all(accepted);
      expect(documents.every((d) => d.level === 'B-B')).toBe(true);
    } finally {
      await small.close();
    }
  });
});
