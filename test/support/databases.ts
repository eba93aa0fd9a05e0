/**
 * The databases every data test runs on: SQLite always, PostgreSQL as well when TEST_DATABASE_URL is set
 * (CI sets it). Each test database is private: a fresh in-memory SQLite, or a fresh PostgreSQL schema
 * that is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle } from '../../db/connect.js';
import { prepareDatabase } from '../../src/data/setup.js';

export interface TestDatabase {
  handle: DatabaseHandle;
  close(): Promise<void>;
}

export const DATABASE_KINDS: ('sqlite' | 'postgres')[] = process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export async function openTestDatabase(kind: 'sqlite' | 'postgres', options: { prepare?: boolean } = {}): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const handle = openDatabase({ url: ':memory:' });
    if (options.prepare !== false) await prepareDatabase(handle);
    return { handle, close: () => handle.db.destroy() };
  }
  const url = process.env.TEST_DATABASE_URL!;
  const schema = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const handle = openDatabase({ url, schema, poolSize: 4 });
  if (options.prepare !== false) await prepareDatabase(handle, schema);
  else await handle.db.schema.createSchema(schema).execute();
  return {
    handle,
    close: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
      await handle.db.destroy();
    },
  };
}

export interface SharedDatabase {
  /** The DATABASE_URL to give the processes that share it. */
  url: string;
  /** The test's own connection to it (not migrated: the processes do that). */
  handle: DatabaseHandle;
  /** Closes the test's connection and removes the database. */
  close(): Promise<void>;
}

/**
 * A database for several processes at once (portal instances, the command line): a SQLite file in `dataDir`, or
 * a PostgreSQL database of its own on the TEST_DATABASE_URL server, dropped by `close`.
 */
export async function openSharedDatabase(kind: 'sqlite' | 'postgres', dataDir: string): Promise<SharedDatabase> {
  if (kind === 'sqlite') {
    const url = join(dataDir, 'portal.db');
    const handle = openDatabase({ url });
    return { url, handle, close: () => handle.db.destroy() };
  }
  const server = openDatabase({ url: process.env.TEST_DATABASE_URL!, poolSize: 1 });
  const name = `test_shared_${process.pid}_${randomBytes(4).toString('hex')}`;
  await sql`create database ${sql.id(name)}`.execute(server.db);
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  const handle = openDatabase({ url: url.href, poolSize: 2 });
  return {
    url: url.href,
    handle,
    close: async () => {
      await handle.db.destroy();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(server.db);
      await server.db.destroy();
    },
  };
}
