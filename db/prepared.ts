import { createHash } from 'node:crypto';
import type { Compilable, Kysely } from 'kysely';

/** Before a query's SQL, names it as a PostgreSQL statement to keep per connection (db/connect.ts sends it so). */
export const NAMED_STATEMENT_MARK = '/* statement ';

/**
 * A query built and compiled once, then run with new parameter values: for the few queries on the hot path
 * (the results page on results day), where building and compiling with kysely cost as much as running them.
 * `build` is called once with marker arguments; every parameter that is a marker is replaced at run time.
 * On PostgreSQL the query also becomes a named statement of each connection, so its plan is made once rather
 * than on every request (planning a seven-table join costs ten times as much as running it here).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
export function preparedQuery<A extends unknown[], R>(db: Kysely<any>, build: (...args: A) => Compilable<R>, arity: A['length']): (...args: A) => Promise<R[]> {
  const markers = Array.from({ length: arity }, (_, i) => ({ preparedQueryArgument: i }));
  const built = build(...(markers as unknown as A)).compile();
  const name = `q${createHash('sha256').update(built.sql).digest('hex').slice(0, 16)}`;
  const compiled = { ...built, sql: `${NAMED_STATEMENT_MARK}${name} */ ${built.sql}` };
  const positions = compiled.parameters.map((p) => markers.indexOf(p as (typeof markers)[number]));
  if (positions.filter((p) => p >= 0).length < arity) throw new Error('preparedQuery: an argument is not used as a parameter');
  return async (...args: A) => {
    const parameters = compiled.parameters.map((p, i) => (positions[i]! >= 0 ? args[positions[i]!] : p));
    return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
