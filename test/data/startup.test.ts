/**
 * A database that cannot be used stops the start with a message saying which database and what to check,
 * not a stack trace: nothing listening, a database that does not exist. Instances starting at the same moment on
 * a new database both come up.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DatabaseStartupError, migrateToLatest, openDatabase } from '../../db/connect.js';
import { migrations as MIGRATIONS } from '../../db/migrations/index.js';
import { preparedQuery } from '../../db/prepared.js';
import { CATALOGUE } from '../../src/domain/catalogue.js';
import { DATABASE_KINDS, openSharedDatabase } from '../support/databases.js';
import { freePort } from '../support/ports.js';

async function startupError(url: string): Promise<DatabaseStartupError> {
  const handle = openDatabase({ url });
  try {
    await migrateToLatest(handle);
  } catch (error) {
    expect(error).toBeInstanceOf(DatabaseStartupError);
    return error as DatabaseStartupError;
  } finally {
    await handle.db.destroy().catch(() => undefined);
  }
  throw new Error('the database was usable');
}

describe('starting on a database that cannot be used', () => {
  it('names the PostgreSQL server nobody answers at', async () => {
    // Nothing listens there once the probe closed it.
    const port = await freePort();
    const error = await startupError(`postgres://portal:secret@127.0.0.1:${port}/portal`);
    expect(error.message).toContain(`cannot use the database postgres://127.0.0.1:${port}/portal: nothing accepts connections there`);
    expect(error.message).not.toContain('secret');
  });

  it('names a SQLite file that cannot be created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'startup-'));
    try {
      const file = join(dir, 'not-a-folder');
      writeFileSync(file, '');
      const url = join(file, 'portal.db');
      expect(() => openDatabase({ url })).toThrow(DatabaseStartupError);
      expect(() => openDatabase({ url })).toThrow(`cannot use the database sqlite:${url}: a part of the path is a file, not a folder`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('cuts off a statement that runs past the statement timeout, and keeps the pool usable', async () => {
    const handle = openDatabase({ url: process.env.TEST_DATABASE_URL!, statementTimeoutMs: 200, poolSize: 1 });
    try {
      await expect(sql`select pg_sleep(2)`.execute(handle.db)).rejects.toMatchObject({ code: '57014' });
      expect((await sql<{ one: number }>`select 1 as one`.execute(handle.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await handle.db.destroy();
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('survives the server closing an idle connection, and reconnects', async () => {
    const handle = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
    const admin = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db);
      // The idle connection's error arrives as an event; unhandled, it would end this process (and fail the run).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(handle.db);
      expect(again.rows[0]!.pid).not.toBe(rows[0]!.pid);
    } finally {
      await Promise.all([handle.db.destroy(), admin.db.destroy()]);
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('survives a connection broken while in use: that work fails, the next succeeds', async () => {
    const handle = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
    const admin = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
    try {
      const work = handle.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(admin.db);
        // The broken connection's error event arrives while the transaction holds it.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await sql`select 1`.execute(trx);
      });
      await expect(work).rejects.toThrow();
      expect((await sql<{ one: number }>`select 1 as one`.execute(handle.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      await Promise.all([handle.db.destroy(), admin.db.destroy()]);
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('sends the hot queries as named statements, planned once per connection', async () => {
    const handle = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
    try {
      const lookup = preparedQuery(handle.db, (n: number) => handle.db.selectNoFrom((eb) => eb.val(n).as('n')), 1);
      expect((await lookup(7)).map((row) => Number(row.n))).toEqual([7]);
      expect((await lookup(8)).map((row) => Number(row.n))).toEqual([8]);
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(handle.db);
      expect(rows).toEqual([{ name: expect.stringMatching(/^q[0-9a-f]{16}$/), statement: expect.stringContaining('/* statement q') }]);
    } finally {
      await handle.db.destroy();
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('says when the database does not exist', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/no_such_database_for_the_portal';
    expect((await startupError(url.href)).message).toContain('the database named in DATABASE_URL does not exist');
  });
});

describe.each(DATABASE_KINDS)('processes starting together on a new %s database', (kind) => {
  it('all start: migrations and the catalogue are applied once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'startup-'));
    const database = await openSharedDatabase(kind, dataDir);
    try {
      // Three command-line processes, each migrating the new database on start, as instances would.
      const runs = await Promise.all(
        [0, 1, 2].map(
          () =>
            new Promise<{ code: number | null; errors: string }>((resolve) => {
              const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'staff', 'list'], {
                cwd: join(import.meta.dirname, '..', '..'),
                env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, DATABASE_URL: database.url },
                stdio: ['ignore', 'ignore', 'pipe'],
                timeout: 100_000,
              });
              let errors = '';
              child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
              child.on('exit', (code) => resolve({ code, errors }));
            }),
        ),
      );
      expect(runs).toEqual([0, 1, 2].map(() => ({ code: 0, errors: '' })));
      const exams = await database.handle.db.selectFrom('exams').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
      expect(Number(exams.n)).toBe(CATALOGUE.length);
      const migrations = await sql<{ n: number | string }>`select count(*) as n from kysely_migration`.execute(database.handle.db);
      expect(Number(migrations.rows[0]!.n)).toBe(Object.keys(MIGRATIONS).length);
    } finally {
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
