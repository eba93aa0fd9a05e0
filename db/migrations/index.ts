import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001_initial.js';

/** Listed here rather than read from the folder, so the same list runs under tsx, vitest and compiled code. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
