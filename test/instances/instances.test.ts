/**
 * Several portal instances on one database, as on results day behind a load balancer: two real portal
 * processes (`src/main.ts`) share the database and nothing else that matters. A session begun on one is valid
 * on the other and ends on both; reports queued through both are each completed exactly once; an instance
 * killed mid-job leaves no job stuck. The waits follow progress, not the clock: two cores shared with other work
 * make everything slower, never wrong. On PostgreSQL (a database of its own, dropped afterwards) and on one
 * SQLite file shared by two processes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { DATABASE_KINDS, openSharedDatabase, type SharedDatabase } from '../support/databases.js';
import { PortalProcess } from '../support/portal-process.js';
import { until, untilNoneRemain } from '../support/progress.js';

const LEASE_SECONDS = 20;
/** Enough jobs that both instances claim several at once and one dies holding one; more would prove nothing new. */
const REPORTS_PER_INSTANCE = 20;
/** A process start, with demo data and development keys, on a machine that may be very busy. */
const START_TIMEOUT_MS = 600_000;

function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('sid='));
  if (!cookie) throw new Error(`no session cookie (status ${response.status})`);
  return cookie.split(';')[0]!;
}

async function csrfToken(instance: PortalProcess, path: string, cookie: string): Promise<string> {
  const page = await (await instance.fetch(path, { headers: { cookie } })).text();
  return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
}

describe.each(DATABASE_KINDS)('two portal instances on one %s database', (kind) => {
  let dataDir: string;
  let database: SharedDatabase;
  let db: Kysely<Database>;
  let a: PortalProcess;
  let b: PortalProcess;

  beforeAll(
    async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'portal-instances-'));
      database = await openSharedDatabase(kind, dataDir);
      db = database.handle.db;
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '4',
        DEMO_STUDENTS: '400',
        BACKGROUND_SEALING: 'off',
        REPORT_WORKERS: '1',
        REPORT_MAX_QUEUED: '100',
        REPORT_LEASE_SECONDS: String(LEASE_SECONDS),
        // Two instances, their report workers and this test share two cores: a slow moment here is not overload
        // (the guard has tests of its own), and a 503 would only make the test retry what it checks.
        OVERLOAD_MAX_LAG_MS: '5000',
      };
      // One after the other, as a deployment would: the first creates the demo data and development keys.
      a = await PortalProcess.start('A', env, START_TIMEOUT_MS);
      b = await PortalProcess.start('B', env, START_TIMEOUT_MS);
    },
    2 * START_TIMEOUT_MS + 60_000,
  );

  afterAll(async () => {
    for (const instance of [a, b]) {
      await instance?.stop();
    }
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a session begun on one instance valid on the other, and ends it on both', async () => {
    const login = await (await a.fetch('/login')).text();
    const [, personId, name] = /name="person_id" value="(\d+)">([^<(]+) \(/.exec(login)!;
    const signedIn = await a.postForm('/login/demo', { person_id: personId!, return_to: '/results' });
    expect(signedIn.status).toBe(303);
    const cookie = sessionCookie(signedIn);

    const onB = await b.fetch('/results', { headers: { cookie } });
    expect(onB.status).toBe(200);
    expect(await onB.text()).toContain(name!.trim());
    expect((await b.fetch('/results')).status).toBe(302);

    const csrf = await csrfToken(b, '/results', cookie);
    expect((await b.postForm('/logout', { _csrf: csrf }, cookie)).status).toBe(303);
    const onA = await a.fetch('/results', { headers: { cookie } });
    expect(onA.status).toBe(302);
    expect(onA.headers.get('location')).toMatch(/^\/login/);
  });

  it(
    'completes the reports queued through both exactly once, and none stays stuck when one instance is killed mid-job',
    async () => {
      const staff = [...(await (await a.fetch('/staff/login')).text()).matchAll(/name="user_id" value="(\d+)"/g)].map((m) => m[1]!);
      expect(staff.length).toBeGreaterThanOrEqual(2);
      const queueThrough = async (instance: PortalProcess, userId: string) => {
        const signedIn = await instance.postForm('/staff/login/demo', { user_id: userId, return_to: '/staff/reports' });
        expect(signedIn.status).toBe(303);
        const cookie = sessionCookie(signedIn);
        const csrf = await csrfToken(instance, '/staff/reports', cookie);
        for (let i = 0; i < REPORTS_PER_INSTANCE; i++) {
          const form = {
            _csrf: csrf,
            report_type: 'graduates',
            format: i % 2 ? 'xlsx' : 'csv',
            selection_date: '2026-12-31',
            education: i % 3 ? 'secondary' : 'basic',
          };
          const queued = await instance.postForm('/staff/reports', form, cookie);
          expect(queued.status).toBe(303);
        }
      };
      await Promise.all([queueThrough(a, staff[0]!), queueThrough(b, staff[1]!)]);
      const jobIds = (await db.selectFrom('report_jobs').select('id').execute()).map((r) => r.id);
      expect(jobIds).toHaveLength(2 * REPORTS_PER_INSTANCE);

      // Kill A while it is in the middle of a job: the job's lease then lapses, and B takes it over.
      const runnerOfA = String((await a.waitFor((line) => line.msg === 'report runner started', 1000)).runner);
      const runningOnA = () => db.selectFrom('report_jobs').select('id').where('status', '=', 'running').where('claimed_by', '=', runnerOfA).execute();
      const openJobs = async () => {
        const row = await db
          .selectFrom('report_jobs')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('status', 'in', ['queued', 'running'])
          .executeTakeFirstOrThrow();
        return Number(row.n);
      };
      await until(async () => (await runningOnA()).length > 0 || (await openJobs()) === 0, { pollMs: 5, what: 'a job running on A' });
      a.kill('SIGKILL');
      await a.exited;
      // What A held when it died (read after the kill, so a job that finished just before does not count).
      const interrupted = (await runningOnA()).map((job) => job.id);
      expect(interrupted.length).toBeGreaterThan(0);

      // The lease must lapse before B takes A's job over: a stall shorter than that would be no stall at all.
      await untilNoneRemain(openJobs, { stallMs: 120_000 + LEASE_SECONDS * 1000, pollMs: 250, what: 'reports' });

      const jobs = await db.selectFrom('report_jobs').select(['id', 'status', 'attempts', 'file_size', 'claimed_by']).orderBy('id').execute();
      expect(jobs.filter((j) => j.status !== 'done')).toEqual([]);
      // Each job was recorded as finished exactly once, by one of the two instances.
      const finished = [...a.lines, ...b.lines].filter((line) => line.msg === 'report finished' && line.recorded === true).map((line) => Number(line.job));
      expect(finished.sort((x, y) => x - y)).toEqual(jobIds.sort((x, y) => x - y));
      // The interrupted jobs ran again on B, every other job ran once, and no lease was ever lost to another runner.
      for (const job of jobs) expect(job.attempts, `job ${job.id}`).toBe(interrupted.includes(job.id) ? 2 : 1);
      for (const id of interrupted) expect(b.lines.some((line) => line.msg === 'report finished' && line.job === id)).toBe(true);
      expect([...a.lines, ...b.lines].filter((line) => line.msg === 'report lease lost; abandoning the job here')).toEqual([]);
      // Every file is whole: the stored bytes add up to the recorded size.
      const stored = await db
        .selectFrom('report_file_chunks')
        .select(['job_id', (eb) => eb.fn.sum<number | string>(eb.fn('length', ['data'])).as('bytes')])
        .groupBy('job_id')
        .execute();
      const storedSize = new Map(stored.map((row) => [row.job_id, Number(row.bytes)]));
      for (const job of jobs) expect(storedSize.get(job.id), `job ${job.id}`).toBe(job.file_size);
    },
    30 * 60_000,
  );
});
