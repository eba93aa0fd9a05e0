import { PostgresAdapter, type Kysely } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database shape
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A row refused because its key is taken already, on SQLite or PostgreSQL; with `table`, only a key of that table
 * (PostgreSQL names the table, SQLite names `table.column` in its message).
 */
export function isUniqueViolation(error: unknown, table?: string): boolean {
  const { code, table: violated, message } = (error ?? {}) as { code?: unknown; table?: unknown; message?: unknown };
  if (code === '23505') return table === undefined || violated === table;
  if (code !== 'SQLITE_CONSTRAINT_PRIMARYKEY' && code !== 'SQLITE_CONSTRAINT_UNIQUE') return false;
  return table === undefined || String(message).includes(`${table}.`);
}
