import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type PostgresPool,
  type PostgresPoolClient,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import { NAMED_STATEMENT_MARK, registerDirectConnection } from './prepared.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Where the data lives, without credentials, for logs. */
  describe: string;
  /** PostgreSQL's connection pool, for its counts in the metrics (SQLite has none). */
  pool?: { readonly totalCount: number; readonly idleCount: number; readonly waitingCount: number };
}

export interface OpenOptions {
  /** `postgres://…` for PostgreSQL, otherwise a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL only: work inside this schema, created if missing (each test run uses its own). */
  schema?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

/** The pool as kysely uses it, with marked queries sent as named statements (parsed and planned once). */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      // While a connection is out of the pool, pg-pool does not listen for its errors: a connection that breaks in
      // use would otherwise raise an unhandled error event. The query fails on its own; the broken connection is
      // discarded on release instead of going back to the pool.
      let broken: Error | undefined;
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      const query = (text: unknown, values?: readonly unknown[]) => {
        if (typeof text === 'string' && text.startsWith(NAMED_STATEMENT_MARK)) {
          const name = text.slice(NAMED_STATEMENT_MARK.length, text.indexOf(' */'));
          return client.query({ name, text, values: values ? [...values] : [] });
        }
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain text, or kysely's cursor object
        return client.query(text as any, values ? [...values] : undefined);
      };
      const release = () => {
        client.off('error', onError);
        client.release(broken);
      };
      return { query: query as unknown as PostgresPoolClient['query'], release };
    },
    end: () => pool.end(),
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openDatabase(options: OpenOptions): DatabaseHandle {
  if (isPostgresUrl(options.url)) {
    const parsed = new URL(options.url);
    const settings = [`-c statement_timeout=${options.statementTimeoutMs ?? 30000}`];
    if (options.schema) settings.push(`-c search_path=${options.schema}`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      options: settings.join(' '),
      connectionTimeoutMillis: 5000,
    });
    // A connection the server closes while idle (a restart, a fail-over, an administrator) is dropped from the
    // pool, and the next query opens a new one; unhandled, the pool's error event would end the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
    registerDirectConnection(db, { kind: 'postgres', pool });
    return {
      db,
      kind: 'postgres',
      pool,
      describe: `postgres://${parsed.host}${parsed.pathname}${options.schema ? ` (schema ${options.schema})` : ''}`,
    };
  }
  const describe = `sqlite:${options.url}`;
  let sqlite: SQLite.Database;
  try {
    if (options.url !== ':memory:') mkdirSync(dirname(options.url), { recursive: true });
    sqlite = new SQLite(options.url);
    sqlite.pragma('journal_mode = WAL');
  } catch (error) {
    throw explainDatabaseError({ describe }, error);
  }
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Results day reads many students' rows at random: keep the hot part of the file in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  registerDirectConnection(db, { kind: 'sqlite', sqlite });
  return {
    db,
    kind: 'sqlite',
    describe,
  };
}

/** The database cannot be used at start: the message says which database, what is wrong and what to check. */
export class DatabaseStartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseStartupError';
  }
}

/** Connection failures in words an operator can act on; anything else is passed on as it is. */
export function explainDatabaseError(handle: Pick<DatabaseHandle, 'describe'>, error: unknown): unknown {
  if (error instanceof DatabaseStartupError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  const where = handle.describe;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'nothing accepts connections there: is PostgreSQL running, and are the host and port in DATABASE_URL right?',
    ENOTFOUND: 'the host name in DATABASE_URL is not known',
    EAI_AGAIN: 'the host name in DATABASE_URL could not be looked up',
    ETIMEDOUT: 'the connection timed out: is the host reachable from here?',
    '3D000': 'the database named in DATABASE_URL does not exist',
    '28P01': 'the password in DATABASE_URL was refused',
    '28000': 'the user in DATABASE_URL may not connect',
    '53300': 'the server has no connections left: lower DATABASE_POOL_SIZE or raise its max_connections',
    '57P03': 'the server is starting up or shutting down',
    SQLITE_CANTOPEN: 'the SQLite file cannot be opened: does DATA_DIR exist and may this user write to it?',
    SQLITE_NOTADB: 'the file is not a SQLite database',
    EACCES: 'this user may not create or open the file: check DATA_DIR or DATABASE_URL and the folder’s permissions',
    ENOTDIR: 'a part of the path is a file, not a folder: check DATA_DIR or DATABASE_URL',
    EEXIST: 'a part of the path is a file, not a folder: check DATA_DIR or DATABASE_URL',
  };
  const reason = reasons[code] ?? (/timeout exceeded when trying to connect/i.test(message) ? reasons.ETIMEDOUT : undefined);
  return reason ? new DatabaseStartupError(`cannot use the database ${where}: ${reason} (${message})`, { cause: error }) : error;
}

/** Creates the schema (PostgreSQL) and brings the database to the newest migration. */
export async function migrateToLatest(handle: DatabaseHandle, schema?: string): Promise<string[]> {
  try {
    return await migrate(handle, schema);
  } catch (error) {
    throw explainDatabaseError(handle, error);
  }
}

async function migrate(handle: DatabaseHandle, schema?: string): Promise<string[]> {
  if (handle.kind === 'postgres' && schema) {
    // "if not exists" still fails when another connection creates the schema at the same moment.
    await handle.db.schema
      .createSchema(schema)
      .ifNotExists()
      .execute()
      .catch((error: unknown) => {
        if (!['23505', '42P06'].includes(String((error as { code?: unknown }).code))) throw error;
      });
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which: another schema's tables (a
  // parallel test run, another application) would make it skip creating its own.
  const migrationTableSchema =
    handle.kind === 'postgres' ? (schema ?? (await sql<{ name: string }>`select current_schema() as name`.execute(handle.db)).rows[0]!.name) : undefined;
  const migrator = new Migrator({ db: handle.db, provider: migrationProvider, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/previously executed migration .* is missing/.test(message)) {
      throw new DatabaseStartupError(
        `the database ${handle.describe} has migrations this code does not know: it is newer than the code; run the newer version of the portal (${message})`,
      );
    }
    throw error instanceof Error ? error : new Error(message);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a small indexed
 * query. Statements are kept by their SQL text (queries are parameterised, so the set stays small). The
 * driver runs one query at a time on its connection, so a cached statement is never in use twice at once.
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver) as unknown;
      return (sql: string) => {
        let statement = statements.get(sql);
        if (!statement) {
          statement = prepare(sql);
          if (statements.size < 2000) statements.set(sql, statement);
        }
        return statement;
      };
    },
  });
}

/**
 * Transactions that take SQLite's write lock when they begin (`begin immediate`). A deferred transaction that
 * reads and then writes cannot wait for the lock if another process wrote in between (SQLITE_BUSY at once,
 * whatever the busy timeout); taking the lock first makes two processes on one file simply wait their turn.
 * Within one process the driver runs one transaction at a time anyway, so nothing waits longer there.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: SqliteDialectConfig) {
    super(config);
  }

  // SQLite's DDL is transactional: with it the migrator runs in one (immediate) transaction, so two processes
  // starting on a new file take turns instead of both creating the same tables.
  override createAdapter(): DialectAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }

  override createDriver(): Driver {
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      }
    })(this.config);
  }
}
