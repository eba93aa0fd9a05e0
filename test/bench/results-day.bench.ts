/**
 * Results day on this machine: `npm run bench:results-day [-- --students 3000 --duration 10]`.
 *
 * Fills a fresh register (SQLite, or the PostgreSQL database named by DATABASE_URL) with demo data, signs in a
 * few thousand demo students (sessions created as a sign-in creates them), starts the portal as its own process
 * on 127.0.0.1, and has autocannon load the results page with every student's cookie in turn, compression on.
 * For scale, a bare hono "hello" route in another process is measured the same way in the same run. Then a
 * fixed rate of 1,000 requests/s shows the latency a student sees at that load. Each server's CPU time per
 * request (from /proc) is printed too: on a machine shared with other work it moves far less than the rates.
 * Everything stops by itself.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/connect.js';
import { generateDemo } from '../../src/data/demo.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { benchDatabase, freePort, line, load as loadWith, signInStudents, startPortal, startProcess, type Figures } from './support.js';

const { values } = parseArgs({
  options: {
    students: { type: 'string', default: '3000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    // Write a CPU profile of the portal process into this folder (for finding where the time goes).
    profile: { type: 'string' },
  },
});
const students = Number(values.students);
const duration = Number(values.duration);
const connections = Number(values.connections);

function load(url: string, options: { cookies?: string[]; rate?: number }): Promise<Figures> {
  return loadWith(url, { ...options, connections, duration });
}

/** CPU time (user + system, ms) a process has used so far, from /proc: steadier than rates on a shared machine. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A load run with the CPU time the server process spent per answered request, in µs. */
async function measured(pid: number, url: string, options: { cookies?: string[] }): Promise<Figures & { cpuUs: number }> {
  const before = cpuMs(pid);
  const figures = await load(url, options);
  return { ...figures, cpuUs: ((cpuMs(pid) - before) * 1000) / Math.max(1, figures.rps * duration) };
}

/**
 * A fixed rate, evenly spread, from a generator in its own process that times each request from when it was
 * due (autocannon's rate limit sends in bursts when each connection cycles through many prepared requests).
 */
function pacedLoad(url: string, rate: number, cookies: string[], seconds = duration): Figures {
  const file = join(dataDir, 'cookies.txt');
  writeFileSync(file, cookies.join('\n'));
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/bench/paced-load.ts'), url, String(rate), String(seconds), file], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Figures;
  return { rps: result.rps, p50: result.p50, p99: result.p99, errors: result.errors, non2xx: result.non2xx, non2xxByStatus: result.non2xxByStatus };
}

const dataDir = mkdtempSync(join(tmpdir(), 'results-day-'));
const database = await benchDatabase('results_day', dataDir);
const databaseUrl = database.url;

const children: ChildProcess[] = [];
try {
  const handle = openDatabase({ url: databaseUrl, poolSize: 4 });
  await prepareDatabase(handle);
  const now = new Date();
  const latestYear = now >= new Date(`${now.getUTCFullYear()}-07-03T06:00:00Z`) ? now.getUTCFullYear() - 1 : now.getUTCFullYear() - 2;
  await generateDemo(handle.db, { students: students * 4, seed: 2026, latestYear });
  // Students of the newest school year: the ones who open the page on results day.
  const cookies = await signInStudents(handle.db, latestYear, students);
  await handle.db.destroy();

  const portalPort = await freePort();
  const helloPort = await freePort();
  children.push(
    await startPortal(
      { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: String(portalPort), NODE_ENV: 'development', DEMO_STUDENTS: '0', BACKGROUND_SEALING: 'off' },
      portalPort,
      values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
    ),
    await startProcess(['test/bench/hello-server.ts'], { PORT: String(helloPort) }, helloPort),
  );
  console.log(`database: ${database.kind}; ${cookies.length} students signed in; ${connections} connections, ${duration} s per run`);

  // Warm both servers up before measuring.
  await load(`http://127.0.0.1:${helloPort}/`, {});
  const [portal, helloServer] = children.map((child) => child.pid!) as [number, number];
  const hello = await measured(helloServer, `http://127.0.0.1:${helloPort}/`, {});
  const helloPlain = await measured(helloServer, `http://127.0.0.1:${helloPort}/plain`, {});
  await load(`http://127.0.0.1:${portalPort}/results`, { cookies });
  pacedLoad(`http://127.0.0.1:${portalPort}/results`, 1000, cookies, 5); // settles the server at this rate
  const paced = pacedLoad(`http://127.0.0.1:${portalPort}/results`, 1000, cookies);
  const results = await measured(portal, `http://127.0.0.1:${portalPort}/results`, { cookies });
  // The first page of a student who is not signed in yet: the home page, with its release moments.
  await load(`http://127.0.0.1:${portalPort}/`, {});
  const home = await measured(portal, `http://127.0.0.1:${portalPort}/`, {});
  const cpu = (f: { cpuUs: number }) => `   server CPU ${f.cpuUs.toFixed(0)} µs/request`;
  console.log(line('bare hono "hello", hono compress', hello) + cpu(hello));
  console.log(line('bare hono "hello", no compression', helloPlain) + cpu(helloPlain));
  console.log(line('results page, as fast as it goes', results) + cpu(results));
  console.log(line('results page at 1,000 requests/s', paced));
  console.log(line('home page, not signed in', home) + cpu(home));
  console.log(
    `results page / hello route = ${((results.rps / hello.rps) * 100).toFixed(1)} % (compression on), ` +
      `${((results.rps / helloPlain.rps) * 100).toFixed(1)} % of the uncompressed hello; ` +
      `by server CPU per request ${((helloPlain.cpuUs / results.cpuUs) * 100).toFixed(1)} % of the uncompressed hello`,
  );
  console.log(`home page / uncompressed hello = ${((home.rps / helloPlain.rps) * 100).toFixed(1)} %`);
  const page = await fetch(`http://127.0.0.1:${portalPort}/results`, { headers: { cookie: cookies[0]!, 'accept-encoding': 'gzip' } });
  // fetch hands back the body decompressed: the size as sent is the header's.
  const decoded = (await page.arrayBuffer()).byteLength;
  console.log(
    `one results page: ${page.headers.get('content-length')} bytes as sent (${page.headers.get('content-encoding') ?? 'identity'}), ${decoded} bytes unpacked`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
