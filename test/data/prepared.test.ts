/**
 * The prepared queries of the hot path run beside kysely's driver (db/prepared.ts): they must answer as the driver
 * would, and never show what another request's open transaction has written but not committed.
 */
import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { openDatabase } from '../../db/connect.js';
import { batchedLookup, insertRows, preparedQuery, registerDirectConnection } from '../../db/prepared.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { auditRow } from '../../src/data/audit.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

type PersonNames = { persons: { personal_code: string; first_name: string } };

/** The person's first name by their personal code, read in batches of up to `maxBatch` (batchedLookup's default without). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the register's schema, or this file's own small one
function firstNameByCode(db: Kysely<any>, maxBatch?: number) {
  const names = db as Kysely<PersonNames>;
  return batchedLookup(
    names,
    (keys: string[]) => names.selectFrom('persons').where('personal_code', 'in', keys).select(['personal_code', 'first_name']),
    (row) => row.personal_code,
    maxBatch,
  );
}

describe.each(DATABASE_KINDS)('prepared queries on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  async function withPerson() {
    database = await openTestDatabase(kind);
    const { db } = database.handle;
    const { id } = await db
      .insertInto('persons')
      .values({ personal_code: '01010112345', first_name: 'Anna', last_name: 'Bērziņa' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const lookup = preparedQuery(db, (personId: number) => db.selectFrom('persons').where('id', '=', personId).select(['first_name', 'last_name']), 1);
    return { db, id, lookup };
  }

  it('answers with the rows kysely gives, for each value', async () => {
    const { db, id, lookup } = await withPerson();
    const viaKysely = await db.selectFrom('persons').where('id', '=', id).select(['first_name', 'last_name']).execute();
    expect(await lookup(id)).toEqual(viaKysely);
    expect(await lookup(id + 1000)).toEqual([]);
  });

  it('does not show what an open transaction wrote, and shows it once committed', async () => {
    const { db, id, lookup } = await withPerson();
    let duringRolledBack: Promise<unknown> | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('persons').set({ first_name: 'Nekad' }).where('id', '=', id).execute();
        // Asked while the transaction is open (another request's read between two of its statements).
        duringRolledBack = lookup(id);
        await trx.selectFrom('persons').select('id').execute();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await duringRolledBack).toEqual([{ first_name: 'Anna', last_name: 'Bērziņa' }]);

    let duringCommitted: Promise<unknown> | undefined;
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('persons').set({ first_name: 'Marta' }).where('id', '=', id).execute();
      duringCommitted = lookup(id);
      await trx.selectFrom('persons').select('id').execute();
    });
    // The read waits for the transaction (SQLite) or sees the state before it (PostgreSQL), never a half.
    expect(['Anna', 'Marta']).toContain(((await duringCommitted) as { first_name: string }[])[0]!.first_name);
    expect(await lookup(id)).toEqual([{ first_name: 'Marta', last_name: 'Bērziņa' }]);
  });
});

describe.each(DATABASE_KINDS)('look-ups many requests make at once, on %s', (kind) => {
  it('gives each caller its own row (or none), however many ask in the same turn', async () => {
    const database = await openTestDatabase(kind);
    const { db } = database.handle;
    try {
      const codes = Array.from({ length: 10 }, (_, i) => `0101011${String(2000 + i)}`);
      await db
        .insertInto('persons')
        .values(codes.map((code, i) => ({ personal_code: code, first_name: `Vārds${i}`, last_name: 'Kalniņa' })))
        .execute();
      const byCode = firstNameByCode(db, 3);
      const asked = [...codes, codes[0]!, '01010199999', codes[9]!];
      const rows = await Promise.all(asked.map((code) => byCode(code)));
      expect(rows.map((row) => row?.first_name)).toEqual([...codes.map((_, i) => `Vārds${i}`), 'Vārds0', undefined, 'Vārds9']);
    } finally {
      await database.close();
    }
  });

  it('finds rows by keys of several values, each only by all of its values', async () => {
    const database = await openTestDatabase(kind);
    const { db } = database.handle;
    try {
      await db
        .insertInto('persons')
        .values([
          { personal_code: '01010112001', first_name: 'Anna', last_name: 'Kalniņa' },
          { personal_code: '01010112002', first_name: 'Marta', last_name: 'Bērziņa' },
        ])
        .execute();
      const byCodeAndName = batchedLookup(
        db,
        (keys: (readonly [code: string, firstName: string])[]) =>
          db
            .selectFrom('persons')
            .where((eb) => eb.or(keys.map(([code, firstName]) => eb.and([eb('personal_code', '=', code), eb('first_name', '=', firstName)]))))
            .select(['personal_code', 'first_name', 'last_name']),
        (row) => [row.personal_code, row.first_name] as const,
      );
      // In one batch: both whole keys, and the two values of each crossed, which name nobody.
      const asked = [
        ['01010112001', 'Anna'],
        ['01010112002', 'Anna'],
        ['01010112002', 'Marta'],
        ['01010112001', 'Marta'],
        ['01010112001', 'Anna'],
      ] as const;
      const rows = await Promise.all(asked.map((key) => byCodeAndName(key)));
      expect(rows.map((row) => row?.last_name)).toEqual(['Kalniņa', undefined, 'Bērziņa', undefined, 'Kalniņa']);
    } finally {
      await database.close();
    }
  });

  it('fails only the requests of a batch whose statement cannot be made, never the process', async () => {
    const database = await openTestDatabase(kind);
    const { db } = database.handle;
    try {
      const byCode = batchedLookup(
        db,
        (keys: string[]) => {
          // The statement for a batch of a size is made the first time such a batch comes.
          if (keys.length === 2) throw new Error('no statement for two keys');
          return db.selectFrom('persons').where('personal_code', 'in', keys).select(['personal_code']);
        },
        (row) => row.personal_code,
      );
      const both = await Promise.allSettled([byCode('01010112001'), byCode('01010112002')]);
      expect(both.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'answered'))).toEqual([
        'no statement for two keys',
        'no statement for two keys',
      ]);
      expect(await byCode('01010112001')).toBeUndefined();
    } finally {
      await database.close();
    }
  });

  it('does not show what an open transaction wrote, read in a batch beside it', async () => {
    const database = await openTestDatabase(kind);
    const { db } = database.handle;
    try {
      const code = '01010112999';
      await db.insertInto('persons').values({ personal_code: code, first_name: 'Anna', last_name: 'Kalniņa' }).execute();
      const byCode = firstNameByCode(db);
      let during: Promise<{ first_name: string } | undefined> | undefined;
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.updateTable('persons').set({ first_name: 'Nekad' }).where('personal_code', '=', code).execute();
          // Asked while the transaction is open; the batch is read a turn later, between two of its statements.
          during = byCode(code);
          await new Promise((resolve) => setImmediate(resolve));
          await trx.selectFrom('persons').select('id').execute();
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect((await during)?.first_name).toBe('Anna');
    } finally {
      await database.close();
    }
  });
});

describe.each(DATABASE_KINDS)('rows inserted together, on %s', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  const at = new Date('2027-06-20T06:00:00.000Z');
  const entry = (action: string) => auditRow({ actor: 'tests', action, channel: 'portal' }, at);
  const answered = (state: string) => ({ state, provider: 'eklase', created_at: at.toISOString() });
  const actions = async (db: TestDatabase['handle']['db']) => (await db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((row) => row.action);
  const states = async (db: TestDatabase['handle']['db']) => (await db.selectFrom('login_attempts').select('state').orderBy('state').execute()).map((row) => row.state);

  it('writes the rows of every table, or none of them when one is refused', async () => {
    database = await openTestDatabase(kind);
    const { db } = database.handle;
    // The same columns in another order are bound by name.
    const reordered = { created_at: at.toISOString(), provider: 'mykoob', state: 's-2' };
    await insertRows(db, [
      { table: 'login_attempts', rows: [answered('s-1'), reordered] },
      { table: 'audit_log', rows: [entry('first'), entry('second')] },
      { table: 'web_sessions', rows: [] },
    ]);
    expect(await states(db)).toEqual(['s-1', 's-2']);
    expect(await db.selectFrom('login_attempts').select('provider').where('state', '=', 's-2').executeTakeFirst()).toEqual({ provider: 'mykoob' });
    expect(await actions(db)).toEqual(['first', 'second']);

    // A state taken before: the audit entry written before it in the same call is not kept either.
    const refused = await insertRows(db, [
      { table: 'audit_log', rows: [entry('third')] },
      { table: 'login_attempts', rows: [answered('s-3'), answered('s-1')] },
    ]).catch((error: unknown) => error);
    expect(isUniqueViolation(refused, 'login_attempts')).toBe(true);
    expect(await states(db)).toEqual(['s-1', 's-2']);
    expect(await actions(db)).toEqual(['first', 'second']);
  });

  it('is not rolled back with another request’s open transaction, and is with the one it is given', async () => {
    database = await openTestDatabase(kind);
    const { db } = database.handle;
    let during: Promise<void> | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('audit_log').values(entry('rolled back')).execute();
        // Another request's writes, asked while this transaction is open between two of its statements.
        during = insertRows(db, [{ table: 'audit_log', rows: [entry('kept')] }]);
        await trx.selectFrom('audit_log').select('id').execute();
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await during;
    expect(await actions(db)).toEqual(['kept']);

    await db
      .transaction()
      .execute(async (trx) => {
        await insertRows(trx, [
          { table: 'audit_log', rows: [entry('in the transaction')] },
          { table: 'login_attempts', rows: [answered('s-4')] },
        ]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await actions(db)).toEqual(['kept']);
    expect(await states(db)).toEqual([]);
  });
});

describe('look-ups many requests make at once, on SQLite', () => {
  it('reads the keys asked for in one turn with one statement per batch', async () => {
    const sqlite = new SQLite(':memory:');
    const db = new Kysely<PersonNames>({ dialect: new SqliteDialect({ database: sqlite }) });
    registerDirectConnection(db, { kind: 'sqlite', sqlite });
    try {
      sqlite.exec('create table persons (personal_code text primary key, first_name text)');
      // Every statement the look-up runs, with the number of keys it was asked for.
      const runs: number[] = [];
      const prepare = sqlite.prepare.bind(sqlite);
      sqlite.prepare = ((source: string) => {
        const statement = prepare(source);
        const all = statement.all.bind(statement);
        statement.all = ((...parameters: unknown[]) => {
          runs.push(parameters.length);
          return all(...parameters);
        }) as typeof statement.all;
        return statement;
      }) as typeof sqlite.prepare;
      const byCode = firstNameByCode(db, 4);
      sqlite.prepare('insert into persons values (?, ?)').run('01010113000', 'Anna');
      runs.length = 0;
      const rows = await Promise.all(Array.from({ length: 9 }, (_, i) => byCode(`0101011${String(3000 + i)}`)));
      expect(rows.map((row) => row?.first_name)).toEqual(['Anna', ...Array<undefined>(8).fill(undefined)]);
      // Nine keys in batches of at most four: three statements, not one per request.
      expect(runs.sort()).toEqual([1, 4, 4]);
    } finally {
      await db.destroy();
    }
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('look-ups many requests make at once, on PostgreSQL', () => {
  it('reads the keys asked for in one turn with one query per batch on PostgreSQL', async () => {
    const database = await openTestDatabase('postgres');
    const schema = (await sql<{ name: string }>`select current_schema() as name`.execute(database.handle.db)).rows[0]!.name;
    // One connection, so the statements it prepared can be listed on it.
    const one = openDatabase({ url: process.env.TEST_DATABASE_URL!, schema, poolSize: 1 });
    try {
      const { db } = one;
      const byCode = firstNameByCode(db, 4);
      await Promise.all(Array.from({ length: 9 }, (_, i) => byCode(`0101011${String(3000 + i)}`)));
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
      // Nine keys in batches of at most four: statements for four keys and for one, no single-key statement per request.
      const sizes = rows.map((row) => (row.statement.match(/\$\d+/g) ?? []).length).sort();
      expect(sizes).toEqual([1, 4]);
    } finally {
      await one.db.destroy();
      await database.close();
    }
  });
});
