import { createHash } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type { Compilable, Kysely, QueryCreator } from 'kysely';
import { isPostgres } from './dialect.js';
import type pg from 'pg';

/** Before a query's SQL, names it as a PostgreSQL statement to keep per connection (db/connect.ts sends it so). */
export const NAMED_STATEMENT_MARK = '/* statement ';

/** The connection under a Kysely instance, for the prepared queries' direct path (registered by db/connect.ts). */
type DirectConnection = { kind: 'sqlite'; sqlite: SQLite.Database } | { kind: 'postgres'; pool: pg.Pool };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
const directConnections = new WeakMap<Kysely<any>, DirectConnection>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
export function registerDirectConnection(db: Kysely<any>, connection: DirectConnection): void {
  directConnections.set(db, connection);
}

/**
 * A query built and compiled once, then run with new parameter values: for the few queries on the hot path
 * (the results page on results day), where building and compiling with kysely cost as much as running them.
 * `build` is called once with marker arguments; every parameter that is a marker is replaced at run time.
 *
 * It also runs without kysely's driver, whose connection hand-over costs more than the query itself:
 * - on SQLite, synchronously on its own prepared statement, whenever no transaction is open on the connection.
 *   JavaScript runs one thing at a time and the statement runs to its end in one call, so such a read sees only
 *   committed data, exactly as the driver's would; inside another request's open transaction (between two of its
 *   statements) it waits for the driver's turn instead, so it never reads what may yet be rolled back.
 * - on PostgreSQL, as a named statement of each connection (planned once rather than on every request: planning a
 *   seven-table join costs ten times as much as running it here), straight on the pool.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
export function preparedQuery<A extends unknown[], R>(db: Kysely<any>, build: (...args: A) => Compilable<R>, arity: A['length']): (...args: A) => Promise<R[]> {
  const markers = Array.from({ length: arity }, (_, i) => ({ preparedQueryArgument: i }));
  const built = build(...(markers as unknown as A)).compile();
  const name = `q${createHash('sha256').update(built.sql).digest('hex').slice(0, 16)}`;
  const compiled = { ...built, sql: `${NAMED_STATEMENT_MARK}${name} */ ${built.sql}` };
  const positions = compiled.parameters.map((p) => markers.indexOf(p as (typeof markers)[number]));
  if (positions.filter((p) => p >= 0).length < arity) throw new Error('preparedQuery: an argument is not used as a parameter');
  const parametersOf = (args: A) => compiled.parameters.map((p, i) => (positions[i]! >= 0 ? args[positions[i]!] : p));
  const throughKysely = async (parameters: unknown[]) => (await db.executeQuery<R>({ ...compiled, parameters })).rows;

  const direct = directConnections.get(db);
  if (direct?.kind === 'sqlite') {
    const statement = direct.sqlite.prepare(compiled.sql);
    return async (...args: A) => {
      const parameters = parametersOf(args);
      if (direct.sqlite.inTransaction) return throughKysely(parameters);
      return statement.all(...parameters) as R[];
    };
  }
  if (direct?.kind === 'postgres') {
    const text = compiled.sql;
    return async (...args: A) => (await direct.pool.query({ name, text, values: parametersOf(args) })).rows as R[];
  }
  return async (...args: A) => throughKysely(parametersOf(args));
}

/**
 * A prepared query (see preparedQuery) of a data module, made once for each database it is run on: the module's
 * function takes the database as its first argument like every other query. In a transaction it runs through
 * that transaction, as any kysely query would.
 */
export function preparedQueryOf<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
  arity: A['length'],
): (db: Kysely<DB>, ...args: A) => Promise<R[]> {
  const byDatabase = new WeakMap<Kysely<DB>, (...args: A) => Promise<R[]>>();
  return (db, ...args) => {
    let query = byDatabase.get(db);
    if (!query) byDatabase.set(db, (query = preparedQuery(db, (...markers: A) => build(db, ...markers), arity)));
    return query(...args);
  };
}

/** What a batched look-up finds a row by: one value, or several that name it together (a certificate's number and its holder). */
export type LookupKey = string | number | readonly (string | number)[];

/**
 * A look-up of one row by a key that many requests make at once (the session of each request on results day, the
 * person signing in, the certificate downloaded). The keys asked for within one turn of the event loop are read
 * with one query of up to `maxBatch` keys, which `build` writes for a list of keys (`key in (…)`, or one
 * condition per key for a key of several values). On PostgreSQL that is one round trip and one statement for many
 * requests instead of one each, which is most of what such a request costs there. On SQLite it is one statement
 * (one read transaction) instead of one per request, and the requests of a turn then go on together, each step of
 * them one after the other: measured under load, a results page cost half the portal's CPU it cost with each key
 * read at once (docs/measured.md). Under light load a batch holds one key: a single query, read one step of the
 * event loop later than at once. `keyOf` gives the key of a row the query returned; keys compare by their values'
 * text, so a number read back as a string still matches.
 */
export function batchedLookup<K extends LookupKey, R>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
  db: Kysely<any>,
  build: (keys: K[]) => Compilable<R>,
  keyOf: (row: R) => K,
  maxBatch = 32,
): (key: K) => Promise<R | undefined> {
  const identity = (key: LookupKey) => (Array.isArray(key) ? JSON.stringify(key.map(String)) : String(key));
  // The values of a key, as parameters, and how many there are (undefined: one value, not an array).
  const valuesOf = (key: K): readonly (string | number)[] => (Array.isArray(key) ? key : [key as string | number]);
  const widthOf = (key: K) => (Array.isArray(key) ? key.length : undefined);
  const queries = new Map<string, (...values: (string | number)[]) => Promise<R[]>>();
  const queryFor = (size: number, width: number | undefined) => {
    let query = queries.get(`${size}:${width}`);
    if (!query) {
      const keysOf = (markers: unknown[]) =>
        Array.from({ length: size }, (_, i) => (width === undefined ? markers[i] : markers.slice(i * width, (i + 1) * width))) as K[];
      query = preparedQuery(db, (...markers: unknown[]) => build(keysOf(markers)), size * (width ?? 1));
      queries.set(`${size}:${width}`, query);
    }
    return query;
  };
  type Waiter = { resolve: (row: R | undefined) => void; reject: (error: unknown) => void };
  let waiting = new Map<string, { key: K; waiters: Waiter[] }>();
  const flush = () => {
    const batch = waiting;
    waiting = new Map();
    const asked = [...batch.values()];
    for (let start = 0; start < asked.length; start += maxBatch) {
      const part = asked.slice(start, start + maxBatch);
      const width = widthOf(part[0]!.key);
      // Anything that fails (preparing a statement the first time a batch of this size comes, on a database being
      // closed, say) fails this part's requests, never the process.
      Promise.resolve()
        .then(() => {
          if (part.some((entry) => widthOf(entry.key) !== width)) throw new Error('batchedLookup: keys of different lengths in one look-up');
          return queryFor(part.length, width)(...part.flatMap((entry) => valuesOf(entry.key)));
        })
        .then((rows) => {
          const byKey = new Map(rows.map((row) => [identity(keyOf(row)), row]));
          for (const entry of part) for (const waiter of entry.waiters) waiter.resolve(byKey.get(identity(entry.key)));
        })
        .catch((error: unknown) => {
          for (const entry of part) for (const waiter of entry.waiters) waiter.reject(error);
        });
    }
  };
  return (key) =>
    new Promise((resolve, reject) => {
      // Gathered until the requests read in this turn of the event loop have asked (setImmediate runs after them).
      if (waiting.size === 0) setImmediate(flush);
      const id = identity(key);
      const entry = waiting.get(id);
      if (entry) entry.waiters.push({ resolve, reject });
      else waiting.set(id, { key, waiters: [{ resolve, reject }] });
    });
}

/**
 * A batched look-up (see batchedLookup) of a data module, made once for each database it is run on: the module's
 * function takes the database as its first argument like every other query. In a transaction it runs through that
 * transaction, a turn of the event loop later.
 */
export function batchedLookupOf<DB, K extends LookupKey, R>(
  build: (db: Kysely<DB>, keys: K[]) => Compilable<R>,
  keyOf: (row: R) => K,
): (db: Kysely<DB>, key: K) => Promise<R | undefined> {
  const byDatabase = new WeakMap<Kysely<DB>, (key: K) => Promise<R | undefined>>();
  return (db, key) => {
    let lookup = byDatabase.get(db);
    if (!lookup) byDatabase.set(db, (lookup = batchedLookup(db, (keys: K[]) => build(db, keys), keyOf)));
    return lookup(key);
  };
}

/** Rows for one table, for insertRows. */
export interface TableRows {
  table: string;
  rows: readonly Record<string, unknown>[];
}

/**
 * Inserts rows into one or more tables, all or nothing: the writes that every sign-in and every download make (a
 * session, its audit entry, the state it answered), gathered by a group commit (src/data/group-commit.ts).
 *
 * On SQLite, when no transaction is open on the connection, they are one synchronous `begin immediate` transaction
 * on kept statements: through kysely's driver each statement, and the begin and the commit, would take an
 * asynchronous turn of their own, and together those cost more than SQLite's writing. Inside another request's open
 * transaction they wait for the driver's turn instead, as a prepared query does (see preparedQuery). On PostgreSQL
 * they are one statement. Elsewhere they go through kysely: one statement for one table, a transaction for more.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
export async function insertRows(db: Kysely<any>, writes: readonly TableRows[]): Promise<void> {
  const present = writes.filter((write) => write.rows.length > 0);
  if (present.length === 0) return;
  const direct = directConnections.get(db);
  if (direct?.kind === 'sqlite' && !db.isTransaction && !direct.sqlite.inTransaction) {
    const statements = present.map((write) => write.rows.map((row) => insertStatement(db, direct.sqlite, write.table, row)));
    direct.sqlite
      .transaction(() => {
        present.forEach((write, i) => write.rows.forEach((row, j) => statements[i]![j]!.run(row)));
      })
      .immediate();
    return;
  }
  if (isPostgres(db)) {
    // One statement, so one round trip instead of a transaction's three or more, and as much all or nothing:
    // PostgreSQL runs a data-modifying WITH even though nothing reads from it.
    const last = present[present.length - 1]!;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each WITH adds its name to the type; none is read
    let query: QueryCreator<any> = db;
    present.slice(0, -1).forEach((write, i) => (query = query.with(`inserted_${i}`, (q) => q.insertInto(write.table).values(write.rows))));
    const insert = query.insertInto(last.table).values(last.rows);
    // Straight on the pool outside a transaction, as a prepared query is: kysely's connection hand-over costs more
    // than compiling the statement. Its shape changes with the number of rows, so it is not a named statement.
    if (direct?.kind === 'postgres' && !db.isTransaction) {
      const { sql, parameters } = insert.compile();
      await direct.pool.query(sql, [...parameters]);
    } else await insert.execute();
    return;
  }
  if (present.length === 1 || db.isTransaction) {
    for (const write of present) await db.insertInto(write.table).values(write.rows).execute();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (const write of present) await trx.insertInto(write.table).values(write.rows).execute();
  });
}

/** Kept insert statements of each SQLite connection, by table and columns; bound by name, so any key order does. */
const insertStatements = new WeakMap<SQLite.Database, Map<string, { run(row: Record<string, unknown>): void }>>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
function insertStatement(db: Kysely<any>, sqlite: SQLite.Database, table: string, row: Record<string, unknown>): { run(row: Record<string, unknown>): void } {
  let kept = insertStatements.get(sqlite);
  if (!kept) insertStatements.set(sqlite, (kept = new Map()));
  const columns = Object.keys(row).sort();
  const key = `${table}(${columns.join(',')})`;
  let statement = kept.get(key);
  if (!statement) {
    // kysely writes the SQL (quoting, the table's name); each column's value is found again by its marker.
    const markers = columns.map((column) => ({ insertedColumn: column }));
    const compiled = db
      .insertInto(table)
      .values(Object.fromEntries(columns.map((column, i) => [column, markers[i]])))
      .compile();
    const order = compiled.parameters.map((parameter) => columns[markers.indexOf(parameter as (typeof markers)[number])]);
    const bound = order.filter((column): column is string => column !== undefined);
    if (bound.length !== columns.length || order.length !== columns.length) throw new Error(`insertRows: the columns of ${table} could not be bound`);
    const prepared = sqlite.prepare(compiled.sql);
    statement = { run: (values) => void prepared.run(...bound.map((column) => values[column])) };
    kept.set(key, statement);
  }
  return statement;
}
