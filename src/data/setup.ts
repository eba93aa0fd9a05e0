import { sql, type Kysely } from 'kysely';
import { migrateToLatest, type DatabaseHandle } from '../../db/connect.js';
import { isPostgres } from '../../db/dialect.js';
import type { Database } from '../../db/schema.js';
import { CATALOGUE_YEAR } from '../domain/catalogue.js';
import { installCatalogue } from './catalogue.js';

/** Brings any database, new or old, to the current schema with the seed's catalogue in it. */
export async function prepareDatabase(handle: DatabaseHandle, schema?: string): Promise<void> {
  await migrateToLatest(handle, schema);
  await installCatalogue(handle.db, CATALOGUE_YEAR);
}

/**
 * After a bulk load (demo data, a session's scores, its certificates): PostgreSQL plans by table statistics,
 * which autovacuum refreshes only a minute or more later; until then a student's page would be planned as if the
 * tables were small (sequential scans, some 50 times slower). SQLite's plans here do not depend on statistics.
 */
export async function refreshStatistics(db: Kysely<Database>): Promise<void> {
  if (isPostgres(db)) await sql`analyze persons, candidates, registrations, sittings, sitting_points, certificates, certificate_documents`.execute(db);
}

export async function registerIsEmpty(handle: DatabaseHandle): Promise<boolean> {
  return !(await handle.db.selectFrom('persons').select('id').limit(1).executeTakeFirst());
}
