/** Pieces the load benchmarks share: free ports, the portal as a child process, signed-in students, autocannon. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { sql, type Kysely } from 'kysely';
import { join } from 'node:path';
import { openDatabase } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { WebSessionStore } from '../../src/data/web-sessions.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { sessionCookieName } from '../../src/web/session.js';

export { freePort } from '../support/ports.js';

/** Starts `node --import tsx <args>` and waits until it answers. */
export async function startProcess(args: string[], env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  return started(
    spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }),
    args,
    port,
  );
}

/**
 * Starts the portal as `npm start` runs it, compiled by tsc (built first) rather than through tsx, whose
 * transform adds work to every call of some functions; `nodeOptions` such as `--cpu-prof` go before the script.
 */
export async function startPortal(env: NodeJS.ProcessEnv, port: number, nodeOptions: string[] = []): Promise<ChildProcess> {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const args = [...nodeOptions, 'dist/src/main.js'];
  return started(spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }), args, port);
}

/** Waits until the child answers /healthz on the port. */
async function started(child: ChildProcess, args: string[], port: number): Promise<ChildProcess> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${args.join(' ')} did not start`);
}

/**
 * Session cookies of up to `count` students of the school year: the ones who open the results page on results
 * day. Signed in a few minutes ago, so a warm-up writes every session's "last seen" once, as a student's first
 * request after the sign-in minute does, and the measured runs see settled sessions.
 */
export async function signInStudents(db: Kysely<Database>, schoolYear: number, count: number): Promise<string[]> {
  const people = await db
    .selectFrom('candidates')
    .innerJoin('persons', 'persons.id', 'candidates.person_id')
    .where('candidates.school_year', '=', schoolYear)
    .select(['persons.id', 'persons.first_name', 'persons.last_name'])
    .distinct()
    .limit(count)
    .execute();
  const signedInAt = new Date(Date.now() - 5 * 60_000);
  const store = new WebSessionStore(db, { idleMinutes: 60, now: () => signedInAt });
  const cookies: string[] = [];
  for (const p of people) {
    const { token } = await store.create({ kind: 'student', personId: p.id, provider: 'bench', displayName: `${p.first_name} ${p.last_name}` });
    cookies.push(`${sessionCookieName(false)}=${token}`);
  }
  return cookies;
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Answers other than 2xx by status, e.g. "503: 12": an overload refusal and a lost session look alike otherwise. */
  non2xxByStatus: string;
}

export async function load(url: string, options: { cookies?: string[]; rate?: number; connections: number; duration: number }): Promise<Figures> {
  const headers = { 'accept-encoding': 'gzip, br', 'accept-language': 'lv' };
  // Prepared requests, one per signed-in student, cycled through by every connection (no per-request callback,
  // so the load generator itself stays cheap).
  const path = new URL(url).pathname;
  const requests = options.cookies?.map((cookie) => ({ method: 'GET' as const, path, headers: { ...headers, cookie } }));
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    ...(options.rate ? { overallRate: options.rate } : {}),
    headers,
    ...(requests ? { requests } : {}),
  });
  const byStatus = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, stats]) => `${status}: ${stats.count}`)
    .join(', ');
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    non2xxByStatus: byStatus,
  };
}

export function line(label: string, f: Figures): string {
  return `${label.padEnd(34)} ${f.rps.toFixed(0).padStart(6)} req/s   p50 ${String(f.p50).padStart(3)} ms   p99 ${String(f.p99).padStart(4)} ms   errors ${f.errors}   non-2xx ${f.non2xx}${f.non2xxByStatus ? ` (${f.non2xxByStatus})` : ''}`;
}

/**
 * The database a benchmark fills: a SQLite file in `dataDir`, or, when DATABASE_URL names a PostgreSQL server, a
 * database of its own there (`<prefix>_<pid>`), which `drop` removes afterwards.
 */
export async function benchDatabase(prefix: string, dataDir: string): Promise<{ url: string; kind: 'SQLite' | 'PostgreSQL'; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL;
  if (!server) return { url: join(dataDir, 'portal.db'), kind: 'SQLite', drop: async () => {} };
  const name = `${prefix}_${process.pid}`;
  const onServer = async (statement: ReturnType<typeof sql>) => {
    const admin = openDatabase({ url: server, poolSize: 1 });
    try {
      await statement.execute(admin.db);
    } finally {
      await admin.db.destroy();
    }
  };
  await onServer(sql`create database ${sql.id(name)}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), kind: 'PostgreSQL', drop: () => onServer(sql`drop database if exists ${sql.id(name)} with (force)`) };
}
