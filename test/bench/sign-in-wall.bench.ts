/**
 * The sign-in wall on results day: `npm run bench:sign-in-wall [-- --students 1500 --browsers 32 --duration 20]`.
 *
 * Fills a fresh register (SQLite, or the PostgreSQL database named by DATABASE_URL) with demo data and seals its
 * certificates beforehand (as issuance does before results day), moves the newest year's release moment to a
 * minute before the portal starts (so the portal renders its results pages ahead, as it does in the hour before a
 * moment, and prints how many results pages it answered from kept pages), then starts two processes on 127.0.0.1: a real
 * OpenID provider (oidc-provider, test/support/oidc-provider-process.ts) standing in for E-klase, which signs in the
 * student named by `login_hint` without a form, and the portal. Many browsers at once, each with its own cookies,
 * walk one student after another through the whole way: start the sign-in (`/login/eklase`), the provider
 * (authorisation, sign-in, consent, back), the portal's callback (login attempt, token exchange, ID-token check,
 * new session, audit), the results page and one certificate download.
 *
 * Prints complete sign-ins per second, p50 and p99 of each step, and the portal's own CPU time per complete
 * sign-in, read from the kernel's counters for the portal process (/proc/<pid>/stat), so the provider's and the
 * load generator's work on the same two cores is not counted as the portal's. Then the same browsers walk a bare
 * server (sign-in-floor-server.ts) through the same HTTP exchanges for the same time: the floor that any Node.js
 * server pays for a sign-in on this machine, and the portal's CPU as a multiple of it (`--no-floor` skips it). Then `--breakdown` sign-ins (default
 * 200) are walked one at a time, and the portal's CPU is read before and after each step (the scheduler's
 * nanosecond counters of every thread, /proc/<pid>/task/<tid>/schedstat), which gives each step's share: the
 * start, the callback, the student's first results page after signing in, and the download. One at a
 * time nothing is written together, so the shares, not their sum, are the figures to read.
 * `--profile <dir>` writes a CPU profile of the portal. Everything stops by itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../db/connect.js';
import { generateDemo } from '../../src/data/demo.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { OIDC_CLIENT_SECRET } from '../support/oidc-server.js';
import { CookieJar, isRedirect, location, request } from '../support/http-browser.js';
import { benchDatabase, freePort, startPortal, startProcess } from './support.js';

const { values } = parseArgs({
  options: {
    // Demo students generated (the register); the ones of the newest school year sign in.
    students: { type: 'string', default: '1500' },
    // Browsers walking through the sign-in at the same time.
    browsers: { type: 'string', default: '32' },
    duration: { type: 'string', default: '20' },
    // Sign-ins before the measured run (first requests, caches, JIT).
    warmup: { type: 'string', default: '300' },
    // Sign-ins walked one at a time afterwards, for the portal's CPU per step.
    breakdown: { type: 'string', default: '200' },
    // Skip walking the floor (sign-in-floor-server.ts), the yardstick.
    'no-floor': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const demoStudents = Number(values.students);
const browsers = Number(values.browsers);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const breakdown = Number(values.breakdown);

const STEPS = ['start', 'provider', 'callback', 'results', 'download'] as const;
const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';
type Step = (typeof STEPS)[number];

class FlowError extends Error {
  constructor(
    readonly step: Step,
    detail: string,
  ) {
    super(`${step}: ${detail}`);
  }
}

/** CPU seconds (user + system, all threads) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / clockTicks;
}
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * Nanoseconds the process's threads have run so far, by the scheduler's own counters: /proc/<pid>/stat counts in
 * clock ticks (10 ms), too coarse for one step of one sign-in. A thread that ended in between is not counted.
 */
function runNanoseconds(pid: number): number {
  let total = 0;
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended while the list was read
    }
  }
  return total;
}

const dataDir = mkdtempSync(join(tmpdir(), 'sign-in-wall-'));
const database = await benchDatabase('sign_in_wall', dataDir);
const databaseUrl = database.url;

/** The provider process; resolves with its issuer once it listens. */
async function startProvider(portalUrl: string, accountsFile: string): Promise<{ child: ChildProcess; issuer: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/support/oidc-provider-process.ts'), portalUrl, accountsFile], {
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  for await (const lineRead of createInterface({ input: child.stdout! })) {
    if (lineRead.startsWith('{"issuer"')) return { child, issuer: (JSON.parse(lineRead) as { issuer: string }).issuer };
  }
  throw new Error('the provider did not start');
}

const children: ChildProcess[] = [];
try {
  const handle = openDatabase({ url: databaseUrl, poolSize: 4 });
  await prepareDatabase(handle);
  const now = new Date();
  const latestYear = now >= new Date(`${now.getUTCFullYear()}-07-03T06:00:00Z`) ? now.getUTCFullYear() - 1 : now.getUTCFullYear() - 2;
  await generateDemo(handle.db, { students: demoStudents, seed: 2026, latestYear });
  await handle.db.destroy();

  // Results day comes after issuance: every certificate already has its sealed document.
  const env = { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, NODE_ENV: 'development', DEMO_STUDENTS: '0', BACKGROUND_SEALING: 'off' };
  // A document whose time-stamp or OCSP answer failed on a busy machine is left for the next run (resumable).
  for (let attempt = 1; ; attempt++) {
    const sealed = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/cli/main.ts'), 'seal', '--pending', '--json'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (sealed.status === 0) break;
    if (sealed.status !== 1 || attempt === 3) throw new Error(`sealing failed (${sealed.status ?? sealed.signal}): ${sealed.stderr}`);
  }

  const again = openDatabase({ url: databaseUrl, poolSize: 1 });
  // Results day: the year's results opened a minute ago, so the portal renders their pages ahead as it does from
  // the hour before a release moment (src/web/results-ahead.ts); warm-up and measuring come after that.
  const opened = new Date(Date.now() - 60_000).toISOString();
  await again.db.updateTable('school_years').set({ basic_results_at: opened, secondary_results_at: opened }).where('start_year', '=', latestYear).execute();
  const people = await again.db
    .selectFrom('persons')
    .innerJoin('candidates', 'candidates.person_id', 'persons.id')
    .innerJoin('registrations', 'registrations.candidate_id', 'candidates.id')
    .innerJoin('sittings', 'sittings.registration_id', 'registrations.id')
    .innerJoin('certificates', 'certificates.sitting_id', 'sittings.id')
    .innerJoin('certificate_documents', 'certificate_documents.certificate_id', 'certificates.id')
    .where('candidates.school_year', '=', latestYear)
    .where('certificates.state', '=', 'issued')
    .select(['persons.id', 'persons.personal_code'])
    .distinct()
    .orderBy('persons.id')
    .execute();
  await again.db.destroy();
  // The provider's accounts: login name → personal code; the load generator only ever names the login.
  const accountsFile = join(dataDir, 'accounts.json');
  writeFileSync(accountsFile, JSON.stringify(people.map((p) => [`student-${p.id}`, p.personal_code])));
  const logins = people.map((p) => `student-${p.id}`);

  const portalPort = await freePort();
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const provider = await startProvider(portalUrl, accountsFile);
  children.push(provider.child);
  const portal = await startPortal(
    // The overload guard off: a refused request would count its little CPU against fewer complete sign-ins, and
    // how many are refused depends on what else the machine runs. What one sign-in costs is the question here.
    {
      ...env,
      OVERLOAD_MAX_LAG_MS: '60000',
      OVERLOAD_MAX_IN_FLIGHT: '1000000',
      PORT: String(portalPort),
      EKLASE_ISSUER: provider.issuer,
      EKLASE_CLIENT_ID: 'portal',
      EKLASE_CLIENT_SECRET: OIDC_CLIENT_SECRET,
      METRICS_TOKEN: METRICS_TOKEN,
    },
    portalPort,
    values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
  );
  children.push(portal);
  const headers = { 'accept-language': 'lv' };

  /** What the portal sent in a sign-in, in bytes: the floor server sends as much. */
  const sent = { loginCookie: 0, sessionCookie: 0, page: 0, edoc: 0 };
  const setCookieBytes = (res: Response) => res.headers.getSetCookie().reduce((sum, line) => sum + line.length, 0);

  /** The provider's part: from its authorisation URL to the URL of the portal's callback it sends the browser to. */
  async function throughProvider(jar: CookieJar, authorizationUrl: string, login: string): Promise<string> {
    const authorize = new URL(authorizationUrl);
    authorize.searchParams.set('login_hint', login);
    let url = authorize.href;
    for (let hops = 0; ; hops++) {
      const res = await request(jar, url, { headers });
      await res.arrayBuffer();
      if (!isRedirect(res) || hops > 5) throw new FlowError('provider', `status ${res.status}`);
      url = location(res, url);
      if (url.startsWith(`${portalUrl}/`)) return url;
    }
  }

  /** One student, one fresh browser, the whole way; the time of each step in ms. `stepDone` is told each step's end. */
  async function signInOnce(login: string, stepDone?: (step: Step) => void): Promise<Record<Step, number>> {
    const jar = new CookieJar();
    const times = {} as Record<Step, number>;
    let started = performance.now();
    const done = (step: Step) => {
      const at = performance.now();
      times[step] = at - started;
      started = at;
      stepDone?.(step);
    };

    let res = await request(jar, `${portalUrl}/login/eklase`, { headers });
    if (!isRedirect(res)) throw new FlowError('start', `status ${res.status}`);
    await res.arrayBuffer();
    sent.loginCookie = setCookieBytes(res);
    done('start');

    const url = await throughProvider(jar, location(res, portalUrl), login);
    done('provider');

    res = await request(jar, url, { headers });
    await res.arrayBuffer();
    if (!isRedirect(res) || new URL(location(res, url)).pathname !== '/results') throw new FlowError('callback', `status ${res.status}`);
    sent.sessionCookie = setCookieBytes(res);
    done('callback');

    res = await request(jar, `${portalUrl}/results`, { headers: { ...headers, 'accept-encoding': 'gzip, br' } });
    const page = await res.text();
    if (res.status !== 200) throw new FlowError('results', `status ${res.status}`);
    sent.page = Number(res.headers.get('content-length') ?? page.length);
    done('results');

    const link = /href="(\/certificates\/[^"]+\.edoc)"/.exec(page)?.[1];
    if (!link) throw new FlowError('results', 'no certificate link');
    res = await request(jar, `${portalUrl}${link.replaceAll('&amp;', '&')}`, { headers });
    const edoc = await res.arrayBuffer();
    if (res.status !== 200 || edoc.byteLength < 1000) throw new FlowError('download', `status ${res.status}`);
    sent.edoc = edoc.byteLength;
    done('download');
    return times;
  }

  interface Run {
    completed: number;
    failures: Map<string, number>;
    times: Record<Step, number[]>;
    seconds: number;
    serverCpu: number;
    providerCpu: number;
  }

  /**
   * `browsers` browsers take students in turn, each walked by `walk`, until the time is up (or `count` walks have
   * started); `server` is the process whose CPU is counted.
   */
  async function run(
    limits: { seconds?: number; count?: number },
    firstStudent: number,
    walk: (login: string) => Promise<Partial<Record<Step, number>>>,
    server: ChildProcess,
  ): Promise<Run> {
    const times = Object.fromEntries(STEPS.map((s) => [s, [] as number[]])) as Record<Step, number[]>;
    const failures = new Map<string, number>();
    let next = firstStudent;
    let started = 0;
    let completed = 0;
    const cpuBefore = cpuSeconds(server.pid!);
    const providerBefore = cpuSeconds(provider.child.pid!);
    const begin = performance.now();
    const deadline = limits.seconds ? begin + limits.seconds * 1000 : Infinity;
    const browser = async () => {
      while (performance.now() < deadline && started < (limits.count ?? Infinity)) {
        started++;
        const login = logins[next++ % logins.length]!;
        try {
          const stepTimes = await walk(login);
          for (const step of STEPS) if (stepTimes[step] !== undefined) times[step].push(stepTimes[step]);
          completed++;
        } catch (error) {
          const key = error instanceof FlowError ? error.message : `error: ${(error as Error).message}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: browsers }, browser));
    const seconds = (performance.now() - begin) / 1000;
    return {
      completed,
      failures,
      times,
      seconds,
      serverCpu: cpuSeconds(server.pid!) - cpuBefore,
      providerCpu: cpuSeconds(provider.child.pid!) - providerBefore,
    };
  }

  /** A student through the floor server (sign-in-floor-server.ts) and the provider, as signInOnce walks the portal. */
  async function floorOnce(base: string, login: string): Promise<Partial<Record<Step, number>>> {
    const jar = new CookieJar();
    const expect = async (step: Step, url: string, status: number, extra: Record<string, string> = {}) => {
      const res = await request(jar, url, { headers: { ...headers, ...extra } });
      await res.arrayBuffer();
      if (res.status !== status) throw new FlowError(step, `floor status ${res.status}`);
      return res;
    };
    const start = await expect('start', `${base}/login/eklase`, 302);
    // The provider sends the browser to the portal's callback, as it knows it: the floor's is at the same path.
    const callback = new URL(await throughProvider(jar, location(start, base), login));
    await expect('callback', `${base}${callback.pathname}${callback.search}`, 303);
    await expect('results', `${base}/results`, 200, { 'accept-encoding': 'gzip, br' });
    await expect('download', `${base}/certificates/x.edoc`, 200);
    return {};
  }

  /** The portal's count of results pages answered from kept pages and rendered (src/web/metrics.ts). */
  async function resultsPageAnswers(): Promise<{ kept: number; rendered: number; pages: number }> {
    const text = await (await fetch(`${portalUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    return {
      kept: value(/^portal_results_page_answers_total\{from="kept"\} (\d+)$/m),
      rendered: value(/^portal_results_page_answers_total\{from="rendered"\} (\d+)$/m),
      pages: value(/^portal_results_pages_kept\{measure="pages"\} (\d+)$/m),
    };
  }

  const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

  console.log(
    `database: ${database.kind}; ${logins.length} students of ${latestYear} with certificates; ` +
      `${browsers} browsers at once, ${duration} s after ${warmup} warm-up sign-ins`,
  );
  // The pages rendered ahead, before anyone signs in (the job starts a second after the portal).
  const renderingSince = performance.now();
  let ahead = await resultsPageAnswers();
  while (ahead.pages < logins.length && performance.now() - renderingSince < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    ahead = await resultsPageAnswers();
  }
  console.log(
    `results pages rendered ahead before the first sign-in: ${ahead.pages} of ${logins.length} students (${((performance.now() - renderingSince) / 1000).toFixed(1)} s)`,
  );
  await run({ count: warmup }, 0, signInOnce, portal);
  const answersBefore = await resultsPageAnswers();
  const measured = await run({ seconds: duration }, warmup, signInOnce, portal);
  const answersAfter = await resultsPageAnswers();
  const portalCpuMs = (measured.serverCpu * 1000) / measured.completed;
  console.log(`complete sign-ins (start → provider → callback → results → one .edoc): ${measured.completed} in ${measured.seconds.toFixed(1)} s`);
  console.log(`  ${(measured.completed / measured.seconds).toFixed(1)} sign-ins/s`);
  console.log(
    `  portal CPU per complete sign-in: ${portalCpuMs.toFixed(2)} ms ` +
      `(${measured.serverCpu.toFixed(2)} s in all; the provider used ${((measured.providerCpu * 1000) / measured.completed).toFixed(2)} ms per sign-in)`,
  );
  for (const step of STEPS) {
    const sorted = measured.times[step].sort((a, b) => a - b);
    console.log(`  ${step.padEnd(9)} p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms   p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms`);
  }
  if (measured.failures.size > 0) console.log(`  failed: ${[...measured.failures].map(([why, n]) => `${why} ×${n}`).join(', ')}`);
  else console.log('  failed: none');
  console.log(
    `  results pages answered from a kept page: ${answersAfter.kept - answersBefore.kept}, rendered: ${answersAfter.rendered - answersBefore.rendered} ` +
      `(${answersAfter.pages} pages kept, rendered ahead or on a visit; a page is ${sent.page} bytes as sent)`,
  );

  if (!values['no-floor']) {
    const discovery = (await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json()) as {
      authorization_endpoint: string;
      token_endpoint: string;
    };
    const floorPort = await freePort();
    const floor = await startProcess(
      [join(PROJECT_ROOT, 'test/bench/sign-in-floor-server.ts')],
      {
        PORT: String(floorPort),
        FLOOR_AUTHORIZE_URL: discovery.authorization_endpoint,
        FLOOR_TOKEN_URL: discovery.token_endpoint,
        FLOOR_CLIENT_ID: 'portal',
        FLOOR_CLIENT_SECRET: OIDC_CLIENT_SECRET,
        FLOOR_REDIRECT_URI: `${portalUrl}/auth/eklase/callback`,
        FLOOR_LOGIN_COOKIE_BYTES: String(sent.loginCookie),
        FLOOR_SESSION_COOKIE_BYTES: String(sent.sessionCookie),
        FLOOR_PAGE_BYTES: String(sent.page),
        FLOOR_EDOC_BYTES: String(sent.edoc),
      },
      floorPort,
    );
    children.push(floor);
    const floorUrl = `http://127.0.0.1:${floorPort}`;
    await run({ count: warmup }, 0, (login) => floorOnce(floorUrl, login), floor);
    const bare = await run({ seconds: duration }, 0, (login) => floorOnce(floorUrl, login), floor);
    const floorCpuMs = (bare.serverCpu * 1000) / bare.completed;
    console.log(
      `the floor (sign-in-floor-server.ts: the same requests, provider, token call and sizes, nothing else), same browsers: ` +
        `${(bare.completed / bare.seconds).toFixed(1)} walks/s, ${floorCpuMs.toFixed(2)} ms of its CPU per walk ` +
        `(the provider used ${((bare.providerCpu * 1000) / bare.completed).toFixed(2)} ms per walk)` +
        (bare.failures.size > 0 ? `; failed: ${[...bare.failures].map(([why, n]) => `${why} ×${n}`).join(', ')}` : ''),
    );
    console.log(`  the portal's CPU per sign-in is ${(portalCpuMs / floorCpuMs).toFixed(2)} × the floor's`);
  }

  if (breakdown > 0) {
    // One browser, so whatever the portal runs between two reads is that step's, besides its own timers: the
    // "provider" step, where the portal has nothing to do, shows how much those are.
    const cpu = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
    let walked = 0;
    for (let i = 0; i < breakdown; i++) {
      const mine = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
      let before = runNanoseconds(portal.pid!);
      try {
        await signInOnce(logins[(warmup + measured.completed + i) % logins.length]!, (step) => {
          const now = runNanoseconds(portal.pid!);
          mine[step] = now - before;
          before = now;
        });
      } catch (error) {
        console.log(`  breakdown sign-in failed: ${(error as Error).message}`);
        continue;
      }
      for (const step of STEPS) cpu[step] += mine[step];
      walked++;
    }
    const total = STEPS.reduce((sum, step) => sum + cpu[step], 0);
    console.log(`portal CPU per step, ${walked} sign-ins one at a time: ${(total / walked / 1e6).toFixed(2)} ms per sign-in`);
    for (const step of STEPS) {
      console.log(`  ${step.padEnd(9)} ${(cpu[step] / walked / 1e6).toFixed(3).padStart(7)} ms  ${((cpu[step] / total) * 100).toFixed(1).padStart(5)} %`);
    }
  }
} finally {
  for (const child of children) {
    child.stdin?.end();
    child.kill('SIGTERM');
  }
  // The portal writes its CPU profile (--profile) on the way out.
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
  await database.drop();
  rmSync(dataDir, { recursive: true, force: true });
}
