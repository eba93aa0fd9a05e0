/**
 * The databases every data test runs on: SQLite always, PostgreSQL as well when TEST_DATABASE_URL is set
 * (CI sets it). Each test database is private: a fresh in-memory SQLite, or a fresh PostgreSQL schema
 * that is dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
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
