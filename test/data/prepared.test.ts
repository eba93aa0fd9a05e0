/**
 * The prepared queries of the hot path run beside kysely's driver (db/prepared.ts): they must answer as the driver
 * would, and never show what another request's open transaction has written but not committed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../db/prepared.js';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases.js';

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
