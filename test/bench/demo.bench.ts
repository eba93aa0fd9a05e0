/**
 * How long demo data takes: `npm run bench:demo [-- --students 40000]`. Runs on a fresh SQLite file
 * (and on PostgreSQL too when DATABASE_URL names one), so the figure includes migrations and catalogue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase } from '../../db/connect.js';
import { generateDemo } from '../../src/data/demo.js';
import { prepareDatabase } from '../../src/data/setup.js';

const { values } = parseArgs({ options: { students: { type: 'string', default: '40000' } } });
const students = Number(values.students);

async function measure(label: string, url: string, schema?: string) {
  const handle = openDatabase({ url, schema, statementTimeoutMs: 600_000 });
  try {
    const started = performance.now();
    await prepareDatabase(handle, schema);
    const summary = await generateDemo(handle.db, { students, seed: 2026 });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${label}: ${students} students → ${summary.persons} persons, ${summary.registrations} registrations, ` +
        `${summary.sittings} sittings, ${summary.certificates} certificates in ${seconds.toFixed(1)} s`,
    );
  } finally {
    if (schema) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(handle.db);
    await handle.db.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'demo-bench-'));
try {
  await measure('sqlite', join(dir, 'bench.db'));
  if (process.env.DATABASE_URL) await measure('postgres', process.env.DATABASE_URL, `bench_${process.pid}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
