import { migrateToLatest, type DatabaseHandle } from '../../db/connect.js';
import { CATALOGUE_YEAR } from '../domain/catalogue.js';
import { installCatalogue } from './catalogue.js';

/** Brings any database, new or old, to the current schema with the seed's catalogue in it. */
export async function prepareDatabase(handle: DatabaseHandle, schema?: string): Promise<void> {
  await migrateToLatest(handle, schema);
  await installCatalogue(handle.db, CATALOGUE_YEAR);
}

export async function registerIsEmpty(handle: DatabaseHandle): Promise<boolean> {
  return !(await handle.db.selectFrom('persons').select('id').limit(1).executeTakeFirst());
}
