import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Where the data lives, without credentials, for logs. */
  describe: string;
}

export interface OpenOptions {
  /** `postgres://…` for PostgreSQL, otherwise a SQLite file path (or ':memory:'). */
  url: string;
  /** PostgreSQL only: work inside this schema, created if missing (each test run uses its own). */
  schema?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
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
    return {
      db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
      kind: 'postgres',
      describe: `postgres://${parsed.host}${parsed.pathname}${options.schema ? ` (schema ${options.schema})` : ''}`,
    };
  }
  if (options.url !== ':memory:') mkdirSync(dirname(options.url), { recursive: true });
  const sqlite = new SQLite(options.url);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Results day reads many students' rows at random: keep the hot part of the file in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('mmap_size = 268435456');
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }),
    kind: 'sqlite',
    describe: `sqlite:${options.url}`,
  };
}

/** Creates the schema (PostgreSQL) and brings the database to the newest migration. */
export async function migrateToLatest(handle: DatabaseHandle, schema?: string): Promise<string[]> {
  if (handle.kind === 'postgres' && schema) {
    await handle.db.schema.createSchema(schema).ifNotExists().execute();
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
      throw new Error(`the database ${handle.describe} has migrations this code does not know: it is newer than the code (${message})`);
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
