/**
 * Batch issuance at full size: `npm run bench:issue [-- --students 12400]` (about 40,000 certificates).
 * Fills a fresh register with demo data, starts `cli seal --pending` in a child process, kills it (SIGKILL)
 * halfway, starts it again to finish, and then checks that every issued certificate has exactly one stored
 * document whose bytes match its SHA-256. Prints the times and rates.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { PROJECT_ROOT } from '../../src/paths.js';

const { values } = parseArgs({ options: { students: { type: 'string', default: '12400' } } });
const dataDir = mkdtempSync(join(tmpdir(), 'issue-bench-'));
const env = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'development' };

function cli(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts'), ...args], {
    env,
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function finish(child: ReturnType<typeof cli>): Promise<{ code: number | null; out: string }> {
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

try {
  const demo = await finish(cli(['demo', '--students', values.students!, '--json']));
  const summary = JSON.parse(demo.out) as { certificates: number };
  const db = new SQLite(join(dataDir, 'portal.db'), { readonly: true });
  const issued = (db.prepare(`select count(*) as n from certificates where state = 'issued'`).get() as { n: number }).n;
  const stored = () => (db.prepare('select count(*) as n from certificate_documents').get() as { n: number }).n;
  console.log(`register: ${summary.certificates} certificates, ${issued} to seal`);

  const first = cli(['seal', '--pending', '--json']);
  const firstDone = finish(first);
  const started = performance.now();
  while (stored() < issued / 2) await new Promise((r) => setTimeout(r, 200));
  first.kill('SIGKILL');
  await firstDone;
  const killedAfter = (performance.now() - started) / 1000;
  const atKill = stored();
  console.log(`killed (SIGKILL) after ${killedAfter.toFixed(1)} s with ${atKill} documents stored`);

  const resumedStart = performance.now();
  const second = await finish(cli(['seal', '--pending', '--json']));
  const resumedSeconds = (performance.now() - resumedStart) / 1000;
  const result = JSON.parse(second.out) as { sealed: number; failed: unknown[] };
  console.log(`resumed: sealed ${result.sealed} more in ${resumedSeconds.toFixed(1)} s, failed ${result.failed.length}, exit ${second.code}`);

  const total = stored();
  let mismatched = 0;
  for (const row of db.prepare('select edoc, sha256 from certificate_documents').iterate() as Iterable<{ edoc: Buffer; sha256: string }>) {
    if (createHash('sha256').update(row.edoc).digest('hex') !== row.sha256) mismatched++;
  }
  const duplicates = (db.prepare('select count(*) - count(distinct certificate_id) as n from certificate_documents').get() as { n: number }).n;
  const seconds = killedAfter + resumedSeconds;
  console.log(
    `documents ${total} of ${issued} issued, duplicates ${duplicates}, bytes not matching their SHA-256 ${mismatched}; ` +
      `${(total / seconds).toFixed(0)} certificates/s over both runs (${seconds.toFixed(1)} s, process start-up included)`,
  );
  db.close();
  if (total !== issued || duplicates !== 0 || mismatched !== 0 || atKill + result.sealed !== issued) process.exitCode = 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
