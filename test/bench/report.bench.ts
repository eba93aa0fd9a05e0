/**
 * Reports at full size: `npm run bench:report [-- --rows 100000 --students 3000 --duration 10 --jobs 2]`.
 *
 * A fresh SQLite file gets demo data and then, in bulk, one school with `--rows` registrations (scores and
 * certificates) in one exam session.
 * 1. That school's institution-results XLSX is written by one report worker (ReportPool with one thread) in a
 *    child process of its own, which prints the time and its peak resident memory: the whole process's, so the
 *    figure is honest, if a little high.
 * 2. The portal runs as its own process with `--jobs` report workers. The student results page is loaded (autocannon
 *    as fast as it goes, and `--rate` requests/s timed from when each was due) idle, then while the portal's workers
 *    run that report back to back, then idle again (the machine is shared: noise shows); the p99s and the ratio of
 *    the busy p99 to the better idle one are printed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { findExam } from '../../src/data/catalogue.js';
import { generateDemo } from '../../src/data/demo.js';
import { claimNextReport, DEFAULT_QUEUE_SETTINGS, enqueueReport, type FinishedFile } from '../../src/data/report-jobs.js';
import { prepareDatabase } from '../../src/data/setup.js';
import { saveStaffUser } from '../../src/data/staff.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { ReportPool } from '../../src/reports/pool.js';
import type { ReportTask } from '../../src/reports/task.js';
import { freePort, line, load, signInStudents, startProcess, type Figures } from './support.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    students: { type: 'string', default: '3000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '300' },
    jobs: { type: 'string', default: '2' },
    // Format of the reports run during the page measurements.
    format: { type: 'string', default: 'xlsx' },
    // Internal: run one report job in this process (the measured child).
    child: { type: 'string' },
  },
});

if (values.child) await runChild(values.child);
else await main();

/** The child: one report worker, one job; prints what it took. */
async function runChild(spec: string): Promise<void> {
  const { databaseUrl, task } = JSON.parse(spec) as { databaseUrl: string; task: ReportTask };
  const pool = new ReportPool({ databaseUrl, workers: 1 });
  const started = performance.now();
  const file = await pool.run(task);
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  console.log(JSON.stringify({ seconds, file, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

async function main(): Promise<void> {
  const rows = Number(values.rows);
  const students = Number(values.students);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const rate = Number(values.rate);
  const jobs = Number(values.jobs);
  const dataDir = mkdtempSync(join(tmpdir(), 'report-bench-'));
  const databaseUrl = join(dataDir, 'portal.db');
  const children: ChildProcess[] = [];
  try {
    const handle = openDatabase({ url: databaseUrl });
    await prepareDatabase(handle);
    const now = new Date();
    const latestYear = now >= new Date(`${now.getUTCFullYear()}-07-03T06:00:00Z`) ? now.getUTCFullYear() - 1 : now.getUTCFullYear() - 2;
    let started = performance.now();
    await generateDemo(handle.db, { students: students * 4, seed: 2026, latestYear });
    const cookies = await signInStudents(handle.db, latestYear, students);
    const demoSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const exam = (await findExam(handle.db, 'MAT09', latestYear))!;
    const session = await handle.db
      .selectFrom('exam_sessions')
      .select('id')
      .where('exam_id', '=', exam.id)
      .where('term', '=', 'main')
      .executeTakeFirstOrThrow();
    const institutionId = await addLargeSchool(handle.db, { sessionId: session.id, year: latestYear, rows });
    console.log(
      `database: SQLite; demo data for ${students * 4} students and ${cookies.length} sign-ins in ${demoSeconds.toFixed(1)} s; ${rows} registrations of one school added in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    // 1. One report, one worker, a process of its own.
    const userId = await saveStaffUser(handle.db, { personalCode: '01018012345', displayName: 'Mērījumu lietotājs', role: 'agency' });
    const request = { type: 'institution-results', sessionId: session.id } as const;
    const settings = { ...DEFAULT_QUEUE_SETTINGS, maxQueuedPerUser: 1000 };
    const queue = (format = values.format as 'xlsx' | 'csv') =>
      enqueueReport(handle.db, { userId, institutionId, type: 'institution-results', format, parameters: { request, lang: 'lv' } }, settings);
    await queue('xlsx');
    const job = (await claimNextReport(handle.db, 'bench', settings))!;
    const task: ReportTask = { jobId: job.id, runnerId: 'bench', type: job.type, format: job.format, institutionId, parameters: { request, lang: 'lv' } };
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify({ databaseUrl, task })], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`the report child failed: ${child.stderr}`);
    const measured = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { seconds: number; file: FinishedFile; maxRssMb: number };
    await handle.db.updateTable('report_jobs').set({ status: 'done' }).where('id', '=', job.id).execute();
    console.log(
      `one ${measured.file.rows}-row XLSX in one worker: ${measured.seconds.toFixed(2)} s (target < 15), ${Math.round(measured.file.rows / measured.seconds)} rows/s, ` +
        `${(measured.file.fileSize / 1e6).toFixed(1)} MB, peak memory of the process ${measured.maxRssMb.toFixed(0)} MB (target < 250)`,
    );

    // 2. The results page, idle and while the portal's own workers run reports.
    const portalPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      PORT: String(portalPort),
      NODE_ENV: 'development',
      DEMO_STUDENTS: '0',
      BACKGROUND_SEALING: 'off',
      REPORT_WORKERS: String(jobs),
      LOG_LEVEL: 'warn',
    };
    children.push(await startProcess(['src/main.ts'], env, portalPort));
    const url = `http://127.0.0.1:${portalPort}/results`;
    const cookieFile = join(dataDir, 'cookies.txt');
    writeFileSync(cookieFile, cookies.join('\n'));
    const measure = async () => ({
      flat: await load(url, { cookies, connections, duration }),
      paced: await pacedLoad(url, rate, duration, cookieFile),
    });
    await load(url, { cookies, connections, duration }); // warm-up
    const idle = await measure();

    // Keep `jobs` reports queued or running all the time the page is measured.
    const counts = async () => {
      const list = await handle.db.selectFrom('report_jobs').select('status').where('id', '>', job.id).execute();
      const count = (...statuses: string[]) => list.filter((j) => statuses.includes(j.status)).length;
      return { active: count('queued', 'running'), running: count('running'), done: count('done') };
    };
    for (let i = 0; i < jobs; i++) await queue();
    await waitFor(async () => {
      const { running, done } = await counts();
      return running + done >= jobs;
    }, 'the portal to start the reports');
    let feeding = true;
    const feeder = (async () => {
      while (feeding) {
        const { active } = await counts();
        for (let i = active; i < jobs * 2; i++) await queue();
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const busy = await measure();
    const during = await counts();
    feeding = false;
    await feeder;

    // Idle again once the running reports are through (the waiting ones are taken out of the queue).
    await handle.db.updateTable('report_jobs').set({ status: 'failed', failure: 'internal' }).where('status', '=', 'queued').execute();
    await waitFor(async () => (await counts()).running === 0, 'the last reports to finish');
    const idleAgain = await measure();

    console.log(line('results page idle, as fast as it goes', idle.flat));
    console.log(line(`results page idle, ${rate}/s`, idle.paced));
    console.log(line(`… with ${jobs} ${values.format} reports, as fast`, busy.flat));
    console.log(line(`… with ${jobs} ${values.format} reports, ${rate}/s`, busy.paced));
    console.log(line('results page idle again, as fast', idleAgain.flat));
    console.log(line(`results page idle again, ${rate}/s`, idleAgain.paced));
    console.log(`reports finished while measuring: ${during.done} (${during.running} running at the end)`);
    // Against the better of the two idle figures: the stricter comparison.
    const ratio = (busy: Figures, ...idle: Figures[]) => (busy.p99 / Math.min(...idle.map((f) => f.p99))).toFixed(2);
    console.log(
      `p99 with reports / idle: ${ratio(busy.flat, idle.flat, idleAgain.flat)} as fast as it goes, ` +
        `${ratio(busy.paced, idle.paced, idleAgain.paced)} at ${rate}/s (target < 2)`,
    );
    await handle.db.destroy();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The fixed-rate, open-loop generator of the results-day benchmark, in its own process; waited for without
 * blocking, so the report queue keeps being fed meanwhile.
 */
function pacedLoad(url: string, rate: number, seconds: number, cookieFile: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/bench/paced-load.ts'), url, String(rate), String(seconds), cookieFile], {
      cwd: PROJECT_ROOT,
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(JSON.parse(output.trim().split('\n').at(-1)!) as Figures));
  });
}

/**
 * One school with `rows` 9th graders in the session, each with points and (unless absent) a certificate, inserted
 * in bulk. Personal codes start with 31 and candidate codes with 1, which demo data never uses.
 */
async function addLargeSchool(db: Kysely<Database>, options: { sessionId: number; year: number; rows: number }): Promise<number> {
  const firstNames = ['Jānis', 'Līga', 'Ērika', 'Ģirts', 'Ņikita', 'Šarlote', 'Žanis', 'Ķelda', 'Ūna', 'Čaba'];
  const lastNames = ['Bērziņš', 'Kalniņa', 'Ozoliņš', 'Ābola', 'Šmits', 'Žagare', 'Ķiploks', 'Ģērmane', 'Lāce', 'Čakste'];
  const nextId = async (table: string) =>
    Number((await sql<{ id: number }>`select coalesce(max(id), 0) + 1 as id from ${sql.table(table)}`.execute(db)).rows[0]!.id);
  const [person, candidate, registration, sitting, certificate] = [
    await nextId('persons'),
    await nextId('candidates'),
    await nextId('registrations'),
    await nextId('sittings'),
    await nextId('certificates'),
  ];
  return db.transaction().execute(async (trx) => {
    const institution = await trx
      .insertInto('institutions')
      .values({ registration_number: '4999999999', name: 'Mērījumu vidusskola', municipality: 'Rīga' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const insert = async <T extends keyof Database>(table: T, make: (i: number) => Record<string, unknown>[]) => {
      // SQLite takes at most 32,766 values in one statement; points come two rows per registration.
      const columns = Object.keys(make(0)[0]!).length;
      const chunk = Math.floor(30_000 / columns / 2);
      for (let from = 0; from < options.rows; from += chunk) {
        const values = Array.from({ length: Math.min(chunk, options.rows - from) }, (_, k) => make(from + k)).flat();
        await trx
          .insertInto(table)
          .values(values as never)
          .execute();
      }
    };
    const absent = (i: number) => i % 50 === 7;
    const code = (i: number) => `1${String(i).padStart(11, '0')}`;
    await insert('persons', (i) => [
      { id: person + i, personal_code: `31${String(i).padStart(9, '0')}`, first_name: firstNames[i % 10], last_name: lastNames[(i * 7) % 10] },
    ]);
    await insert('candidates', (i) => [
      { id: candidate + i, code: code(i), person_id: person + i, school_year: options.year, institution_id: institution.id, class_name: `9.${'abcd'[i % 4]}` },
    ]);
    await insert('registrations', (i) => [
      { id: registration + i, session_id: options.sessionId, candidate_id: candidate + i, applied_at: `${options.year}-12-01T10:00:00.000Z`, exempted: 0 },
    ]);
    await insert('sittings', (i) => [
      { id: sitting + i, registration_id: registration + i, took_part: absent(i) ? 'no' : 'yes', updated_at: `${options.year + 1}-06-10T12:00:00.000Z` },
    ]);
    await insert('sitting_points', (i) =>
      absent(i)
        ? []
        : [
            { sitting_id: sitting + i, part_no: 1, points_hundredths: ((i * 37) % 121) * 50 },
            { sitting_id: sitting + i, part_no: 2, points_hundredths: ((i * 11) % 41) * 50 },
          ],
    );
    await insert('certificates', (i) =>
      absent(i)
        ? []
        : [
            {
              id: certificate + i,
              number: `${options.year + 1}/${code(i)}-MAT09`,
              sitting_id: sitting + i,
              issued_on: `${options.year + 1}-06-17`,
              state: 'issued',
              created_at: `${options.year + 1}-06-17T08:00:00.000Z`,
            },
          ],
    );
    return institution.id;
  });
}
