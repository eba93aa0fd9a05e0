/**
 * The real worker pool: a piscina worker thread opens its own connection to a file-based SQLite database (and to
 * PostgreSQL when TEST_DATABASE_URL is set), runs a job and stores the file; a known failure comes back as a
 * ReportFailure with its key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../db/connect.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { ReportFailure, ReportPool } from '../../src/reports/pool.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { buildReportFixture, type ReportFixture } from './fixture.js';
import { claimedJob, storedFile } from './jobs.js';

interface PoolDatabase {
  handle: DatabaseHandle;
  pool: ReportPool;
  close(): Promise<void>;
}

/** A database the worker can open by itself: a SQLite file in a temporary folder, or a PostgreSQL schema. */
async function openPoolDatabase(kind: 'sqlite' | 'postgres'): Promise<PoolDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'report-pool-'));
    const url = join(dir, 'portal.db');
    const handle = openDatabase({ url });
    await prepareDatabase(handle);
    const pool = new ReportPool({ databaseUrl: url, workers: 1 });
    return {
      handle,
      pool,
      close: async () => {
        await pool.close();
        await handle.db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `test_reports_${process.pid}_${randomBytes(4).toString('hex')}`;
  const handle = openDatabase({ url, schema, poolSize: 4 });
  await prepareDatabase(handle, schema);
  const pool = new ReportPool({ databaseUrl: url, schema, workers: 1 });
  return {
    handle,
    pool,
    close: async () => {
      await pool.close();
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.db.destroy();
    },
  };
}

describe.each(DATABASE_KINDS)('the report worker pool on %s', (kind) => {
  let database: PoolDatabase;
  let f: ReportFixture;

  beforeAll(async () => {
    database = await openPoolDatabase(kind);
    f = await buildReportFixture(database.handle.db);
  });
  afterAll(async () => database?.close());

  it('runs a job in a worker thread with its own connection and stores the file', async () => {
    const db = database.handle.db;
    const task = await claimedJob(db, { institutionId: f.institutionA, format: 'xlsx', request: { type: 'institution-results', sessionId: f.mat09Session } });
    const file = await database.pool.run(task);
    const bytes = await storedFile(db, task.jobId);
    expect(file).toEqual({ fileName: `izglitibas-iestades-parbaudijuma-rezultati-${task.jobId}.xlsx`, fileSize: bytes.length, rows: 5 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.actualRowCount).toBe(7);
    expect(sheet.getRow(3).getCell(5).value).toBe(f.a[0]!.candidateCode);
    expect(sheet.getRow(3).getCell(9).value).toBe(16);
    const job = await db.selectFrom('report_jobs').select('rows_total').where('id', '=', task.jobId).executeTakeFirstOrThrow();
    expect(job.rows_total).toBe(5);
  });

  it('brings a known failure back across the thread boundary with its key', async () => {
    const task = await claimedJob(database.handle.db, {
      institutionId: f.institutionA,
      format: 'csv',
      request: { type: 'institution-results', sessionId: 999_999 },
    });
    const failure = await database.pool.run(task).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ReportFailure);
    expect((failure as ReportFailure).key).toBe('no-session');
  });
});
