import type { Compilable, Kysely } from 'kysely';

/**
 * A query built and compiled once, then run with new parameter values: for the few queries on the hot path
 * (the results page on results day), where building and compiling with kysely cost as much as running them.
 * `build` is called once with marker arguments; every parameter that is a marker is replaced at run time.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database schema
export function preparedQuery<A extends unknown[], R>(db: Kysely<any>, build: (...args: A) => Compilable<R>, arity: A['length']): (...args: A) => Promise<R[]> {
  const markers = Array.from({ length: arity }, (_, i) => ({ preparedQueryArgument: i }));
  const compiled = build(...(markers as unknown as A)).compile();
  const positions = compiled.parameters.map((p) => markers.indexOf(p as (typeof markers)[number]));
  if (positions.filter((p) => p >= 0).length < arity) throw new Error('preparedQuery: an argument is not used as a parameter');
  return async (...args: A) => {
    const parameters = compiled.parameters.map((p, i) => (positions[i]! >= 0 ? args[positions[i]!] : p));
    return (await db.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
