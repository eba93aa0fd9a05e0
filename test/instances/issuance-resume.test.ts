/**
 * Issuance survives the death of its portal: a real portal process (`src/main.ts`) issues and seals a session's
 * certificates from the queue, is killed with SIGKILL in the middle of sealing, and a restarted portal takes the
 * job up once its lease lapses and finishes it. Every certificate ends with exactly one sealed document, stored
 * once. The waits follow progress, not the clock. On one SQLite file shared with the test, and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { enqueueIssuance, issuanceProgress } from '../../src/data/issuance-jobs.js';
import { importScores } from '../../src/data/scores.js';
import { DATABASE_KINDS, openSharedDatabase, type SharedDatabase } from '../support/databases.js';
import { PortalProcess } from '../support/portal-process.js';
import { until, untilNoneRemain } from '../support/progress.js';
import { seedSession, type SeededSession } from '../support/register.js';

const LEASE_SECONDS = 10;
/** Enough certificates that sealing takes many batches, so the kill lands in the middle of it. */
const CANDIDATES = 600;
const START_TIMEOUT_MS = 600_000;

describe.each(DATABASE_KINDS)('issuance killed mid-job on %s', (kind) => {
  let dataDir: string;
  let database: SharedDatabase;
  let db: Kysely<Database>;
  let seeded: SeededSession;
  const portals: PortalProcess[] = [];
  const env = () => ({
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '4',
    DEMO_STUDENTS: '0',
    BACKGROUND_SEALING: 'off',
    REPORT_WORKERS: '0',
    SEAL_WORKERS: '1',
    REPORT_LEASE_SECONDS: String(LEASE_SECONDS),
    OVERLOAD_MAX_LAG_MS: '5000',
  });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'portal-issuance-'));
    database = await openSharedDatabase(kind, dataDir);
    db = database.handle.db;
    await prepareDatabase(database.handle);
    seeded = await seedSession(db, { examCode: 'MAT09', candidates: CANDIDATES, year: 2025 });
    const rows = seeded.candidateCodes.map((code, i) => `${code},yes,${i % 61},${i % 21}`);
    await importScores(
      db,
      seeded.sessionId,
      { bytes: new TextEncoder().encode(['candidate_code,took_part,part_1,part_2', ...rows].join('\n')), name: 'scores.csv' },
      'test',
    );
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const portal of portals) await portal.stop();
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const documents = () =>
    db
      .selectFrom('certificate_documents')
      .innerJoin('certificates', 'certificates.id', 'certificate_documents.certificate_id')
      .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
      .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
      .where('registrations.session_id', '=', seeded.sessionId)
      .select(['certificate_documents.certificate_id', 'certificate_documents.version'])
      .execute();

  it(
    'resumes after a restart and ends with every certificate sealed exactly once',
    async () => {
      const first = await PortalProcess.start('first', env(), START_TIMEOUT_MS);
      portals.push(first);
      const jobId = await enqueueIssuance(db, { sessionId: seeded.sessionId, userId: null, actor: 'user:test' });

      // Killed once some documents are stored and many are not.
      await until(async () => (await documents()).length > 0, { timeoutMs: START_TIMEOUT_MS, pollMs: 50, what: 'first sealed documents' });
      first.kill('SIGKILL');
      await first.exited;
      const atKill = (await documents()).length;
      const job = () => db.selectFrom('issuance_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
      expect(atKill).toBeLessThan(CANDIDATES);
      expect(await job()).toMatchObject({ status: 'running', attempts: 1 });

      // A new portal finds the job's lease lapsed and finishes it.
      const second = await PortalProcess.start('second', env(), START_TIMEOUT_MS);
      portals.push(second);
      await untilNoneRemain(async () => CANDIDATES - (await documents()).length, { stallMs: 180_000, what: 'certificates to seal after the restart' });
      await until(async () => (await job()).status === 'done', { timeoutMs: 120_000, what: 'issuance done' });

      expect(await job()).toMatchObject({ status: 'done', attempts: 2, failures: null });
      const stored = await documents();
      expect(stored).toHaveLength(CANDIDATES);
      expect(new Set(stored.map((d) => d.certificate_id)).size).toBe(CANDIDATES);
      expect(stored.every((d) => d.version === 1)).toBe(true);
      const certificates = await db
        .selectFrom('certificates')
        .innerJoin('sittings', 'sittings.id', 'certificates.sitting_id')
        .innerJoin('registrations', 'registrations.id', 'sittings.registration_id')
        .where('registrations.session_id', '=', seeded.sessionId)
        .select('certificates.id')
        .execute();
      expect(certificates).toHaveLength(CANDIDATES);
      // Each stored document was recorded once: the seal audit entries of the session add up to the certificates.
      const sealAudit = await db
        .selectFrom('audit_log')
        .select('details')
        .where('action', '=', 'certificates.seal')
        .where('subject', '=', `session:${seeded.sessionId}`)
        .execute();
      expect(sealAudit.reduce((sum, row) => sum + (JSON.parse(String(row.details)) as { count: number }).count, 0)).toBe(CANDIDATES);
      expect(await issuanceProgress(db, seeded.sessionId)).toMatchObject({ issued: CANDIDATES, sealed: CANDIDATES, failed: 0, percent: 100 });
    },
    3 * START_TIMEOUT_MS,
  );
});
