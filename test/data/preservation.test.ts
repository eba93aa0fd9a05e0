/**
 * The preservation job on every database: it renews the documents that need it as new versions beside the
 * originals (never changing them), audits each renewal, does nothing more when run again at the same time, picks
 * up after a failure where it left off, and steps aside while another instance holds its lease.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { storedDocument } from '../../src/data/certificate-documents.js';
import { PRESERVATION_JOB, runPreservation, takeJobLease } from '../../src/data/preservation.js';
import { preserveDocument } from '../../src/sealing/preservation.js';
import { verifyEdoc } from '../../src/sealing/verify.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';
import { sealedKumalSession } from '../support/sealed-session.js';
import { simulatedYears, YEAR_MS, type SimulatedYears } from '../support/simulated-years.js';

const policy = { windowDays: 365, retiredDigests: [] };
let world: SimulatedYears;
let renewedAt: Date;

beforeAll(async () => {
  const today = new Date();
  renewedAt = new Date(today.getTime() + 2.5 * YEAR_MS);
  world = await simulatedYears({ laterFrom: new Date(renewedAt.getTime() - 3_600_000) });
});

const step = (edoc: Uint8Array, at: Date) => preserveDocument(edoc, at, policy, world.preservation);
const options = { policy, step, actor: 'cli:operator', channel: 'cli' };

describe.each(DATABASE_KINDS)('the preservation job (%s)', (kind) => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let originals: Map<number, Buffer>;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    db = database.handle.db;
    world.clock.now = world.today;
    await sealedKumalSession(db, world.sealer);
    const rows = await db.selectFrom('certificate_documents').select(['certificate_id', 'edoc']).execute();
    originals = new Map(rows.map((r) => [r.certificate_id, Buffer.from(r.edoc)]));
    expect(originals.size).toBe(2);
  });
  afterAll(async () => database?.close());

  it('needs nothing today', async () => {
    const result = await runPreservation(db, { ...options, at: world.today });
    expect(result).toMatchObject({ ran: true, examined: 2, renewed: 0, current: 2, failed: [] });
  });

  it('resumes after a failure: what was renewed stays, the rest is renewed by the next run', async () => {
    world.clock.now = renewedAt;
    let calls = 0;
    const failingSecond = async (edoc: Uint8Array, at: Date) => {
      if (++calls === 2) throw new Error('the time-stamp authority did not answer');
      return step(edoc, at);
    };
    const first = await runPreservation(db, { ...options, step: failingSecond, at: renewedAt });
    expect(first).toMatchObject({ examined: 2, renewed: 1 });
    expect(first.failed).toHaveLength(1);
    const second = await runPreservation(db, { ...options, at: renewedAt });
    expect(second).toMatchObject({ examined: 2, renewed: 1, current: 1, failed: [] });
  });

  it('stored each renewal as version 2 beside the untouched original, audited, and the download is the new one', async () => {
    const rows = await db.selectFrom('certificate_documents').select(['certificate_id', 'version', 'reason', 'edoc']).orderBy('version').execute();
    expect(rows.filter((r) => r.version === 2).map((r) => r.reason)).toEqual(['archive-timestamp', 'archive-timestamp']);
    for (const row of rows.filter((r) => r.version === 1)) expect(Buffer.from(row.edoc).equals(originals.get(row.certificate_id)!)).toBe(true);
    for (const id of originals.keys()) {
      const current = await storedDocument(db, id);
      expect(current?.version).toBe(2);
      const report = await verifyEdoc(new Uint8Array(current!.edoc), world.trust, { at: new Date(renewedAt.getTime() + 2.5 * YEAR_MS) });
      expect(report.problems).toEqual([]);
      expect(report.level).toBe('B-LTA');
    }
    const audit = await db.selectFrom('audit_log').select(['actor', 'action', 'channel', 'details']).where('action', '=', 'certificate.document-version').execute();
    expect(audit).toHaveLength(2);
    for (const entry of audit) {
      expect(entry).toMatchObject({ actor: 'cli:operator', channel: 'cli' });
      expect(JSON.parse(entry.details!)).toMatchObject({ version: 2, reason: 'archive-timestamp', preservation: 'certificate-expiring' });
    }
  });

  it('a rerun at the same time does nothing', async () => {
    const before = await db.selectFrom('certificate_documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const result = await runPreservation(db, { ...options, at: renewedAt });
    expect(result).toMatchObject({ examined: 2, renewed: 0, current: 2 });
    const after = await db.selectFrom('certificate_documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('steps aside while another instance holds the lease, and takes it once that lapses', async () => {
    expect(await takeJobLease(db, PRESERVATION_JOB, 'other-instance', 60_000)).toBe(true);
    expect(await runPreservation(db, { ...options, at: renewedAt })).toMatchObject({ ran: false, examined: 0 });
    expect(await takeJobLease(db, PRESERVATION_JOB, 'other-instance', -1)).toBe(true);
    expect(await runPreservation(db, { ...options, at: renewedAt })).toMatchObject({ ran: true, examined: 2 });
  });

  it('refuses, and stores nothing for, a renewal that would not last', async () => {
    const later = new Date(renewedAt.getTime() + 9.5 * YEAR_MS);
    world.clock.now = later;
    // Nine and a half years after the renewal, the later authority's certificate expires within the window too:
    // renewing with the same authority would not last, so every document fails and nothing is stored.
    const result = await runPreservation(db, { ...options, at: later });
    expect(result.renewed).toBe(0);
    expect(result.failed.map((f) => f.message)).toEqual([expect.stringMatching(/would not last/), expect.stringMatching(/would not last/)]);
  });
});
