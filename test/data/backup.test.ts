/**
 * Backups of the embedded database, with real processes: the command line seals certificates while another
 * `cli backup` copies the database and this test keeps writing to it; the backup is restored elsewhere with
 * `cli restore`, and every sealed document in the restored copy must be the one the register recorded. A restore
 * is refused while a real portal runs on the database, and for a file that is not a backup of ours. The waits
 * follow progress, never the clock: the machine is shared and slow moments are expected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDatabaseFileCommand } from '../../src/cli/backup.js';
import { PortalProcess } from '../support/portal-process.js';
import { untilNoneRemain } from '../support/progress.js';

const ROOT = join(import.meta.dirname, '..', '..');
/** Sealing thousands of certificates outlasts starting the backup's process many times over. */
const DEMO_STUDENTS = 3000;
/** A long wait is a busy machine, not a failure; the progress waits stop sooner when nothing moves. */
const PROCESS_TIMEOUT_MS = 600_000;

interface Finished {
  code: number | null;
  out: string;
  err: string;
}

function environment(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // The database is DATA_DIR/portal.db whatever the environment this test runs in says.
  return { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'info', ...extra };
}

function cli(dataDir: string, args: string[]): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env: environment(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const finished = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
  return { child, finished };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function integrity(file: string): string {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } finally {
    db.close();
  }
}

describe('backup and restore of the embedded database (real processes)', () => {
  let root: string;
  let liveDir: string;
  let restoredDir: string;
  let backupFile: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'portal-backup-'));
    liveDir = join(root, 'live');
    restoredDir = join(root, 'restored');
    backupFile = join(root, 'nightly.db');
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('takes a consistent backup while certificates are being sealed, and restores it elsewhere with every document intact', async () => {
    const demo = await cli(liveDir, ['demo', '--students', String(DEMO_STUDENTS), '--json']).finished;
    expect(demo.code, demo.err).toBe(0);
    const liveFile = join(liveDir, 'portal.db');
    const live = new SQLite(liveFile, { readonly: true, fileMustExist: true });
    const sealed = () => (live.prepare('select count(*) as n from certificate_documents').get() as { n: number }).n;
    const toSeal = (live.prepare(`select count(*) as n from certificates where state = 'issued'`).get() as { n: number }).n;
    expect(toSeal).toBeGreaterThan(1000);

    // Issuance's sealing step, in a process of its own, as an operator runs it.
    const sealer = cli(liveDir, ['seal', '--pending', '--json']);
    // This test writes too, all through the backup: numbered rows, so the copy shows whether it is one snapshot.
    const writer = new SQLite(liveFile, { fileMustExist: true, timeout: 30_000 });
    const insert = writer.prepare(`insert into audit_log (at, actor, action, subject, channel) values (?, 'test', 'backup-test.write', ?, 'test')`);
    let written = 0;
    let writing = true;
    const writes = (async () => {
      while (writing) {
        insert.run(new Date().toISOString(), String(++written));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      await untilNoneRemain(
        () => {
          if (sealer.child.exitCode !== null) throw new Error(`sealing ended early (exit ${sealer.child.exitCode})`);
          return Math.max(0, 100 - sealed()) + (written > 0 ? 0 : 1);
        },
        { what: 'documents sealed before the backup', stallMs: PROCESS_TIMEOUT_MS },
      );

      const backup = await cli(liveDir, ['backup', backupFile, '--json']).finished;
      expect(backup.code, backup.err).toBe(0);
      const copy = JSON.parse(backup.out) as { file: string; bytes: number; certificates: number; documents: number };
      expect(copy).toMatchObject({ file: backupFile, certificates: (JSON.parse(demo.out) as { certificates: number }).certificates });
      expect(copy.documents).toBeGreaterThanOrEqual(100);
      // The writes go on after the backup has finished: whatever the copy holds, it was taken amid them.
      const afterBackup = written;
      await untilNoneRemain(() => (written > afterBackup ? 0 : 1), { what: 'writes after the backup' });
    } finally {
      writing = false;
      await writes;
      writer.close();
      sealer.child.kill('SIGKILL');
      await sealer.finished;
    }
    expect(readdirSync(root).filter((f) => f.startsWith('nightly.db'))).toEqual(['nightly.db']);

    const restore = await cli(restoredDir, ['restore', backupFile, '--json']).finished;
    expect(restore.code, restore.err).toBe(0);
    const restored = JSON.parse(restore.out) as { restored: { file: string; documents: number }; previous?: string };
    const restoredFile = join(restoredDir, 'portal.db');
    expect(restored.restored.file).toBe(restoredFile);
    expect(restored.previous).toBeUndefined();

    expect(integrity(restoredFile)).toBe('ok');
    const copy = new SQLite(restoredFile, { readonly: true, fileMustExist: true });
    try {
      const documents = copy.prepare('select certificate_id as id, sha256, edoc from certificate_documents order by certificate_id').all() as { id: number; sha256: string; edoc: Buffer }[];
      expect(documents.length).toBe(restored.restored.documents);
      expect(documents.length).toBeGreaterThanOrEqual(100);
      const original = live.prepare('select sha256, edoc from certificate_documents where certificate_id = ?');
      for (const document of documents) {
        const source = original.get(document.id) as { sha256: string; edoc: Buffer } | undefined;
        expect(sha256(document.edoc), `certificate ${document.id}`).toBe(document.sha256);
        expect(document.sha256, `certificate ${document.id}`).toBe(source?.sha256);
        expect(Buffer.compare(document.edoc, source!.edoc), `certificate ${document.id}`).toBe(0);
      }
      // One snapshot: the test's rows up to some point, every one of them, and none after.
      const numbers = (copy.prepare(`select subject from audit_log where action = 'backup-test.write'`).all() as { subject: string }[]).map((r) => Number(r.subject)).sort((a, b) => a - b);
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
      expect(numbers.length).toBeLessThan(written);
    } finally {
      copy.close();
      live.close();
    }

    // The restored database is one the command line works with.
    const sessions = await cli(restoredDir, ['sessions', '--json']).finished;
    expect(sessions.code, sessions.err).toBe(0);
    expect((JSON.parse(sessions.out) as unknown[]).length).toBeGreaterThan(0);
  }, PROCESS_TIMEOUT_MS);

  it('refuses to restore while a portal runs on the database, and restores once it has stopped', async () => {
    const target = join(restoredDir, 'portal.db');
    const portal = await PortalProcess.start('restored', environment(restoredDir, { DEMO_STUDENTS: '0', BACKGROUND_SEALING: 'off', REPORT_WORKERS: '1' }), PROCESS_TIMEOUT_MS / 2);
    let stopped = false;
    try {
      const refused = await cli(restoredDir, ['restore', backupFile, '--lang', 'en']).finished;
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`The database ${target} is open in another process`);
      // Nothing moved: no copy left behind, no old database set aside, and the portal still serves.
      expect(readdirSync(restoredDir).filter((f) => f.startsWith('portal.db') && !/^portal\.db(-wal|-shm)?$/.test(f))).toEqual([]);
      expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);

      portal.kill('SIGTERM');
      expect(await portal.exited).toBe(0);
      stopped = true;
      const restored = await cli(restoredDir, ['restore', backupFile, '--json']).finished;
      expect(restored.code, restored.err).toBe(0);
      const { previous } = JSON.parse(restored.out) as { previous: string };
      expect(previous).toMatch(/portal\.db\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
      // The replaced database is kept whole, by itself (its log folded in), and is still a sound database.
      expect(integrity(previous)).toBe('ok');
      expect(readdirSync(restoredDir).filter((f) => f.startsWith('portal.db')).sort()).toEqual(['portal.db', previous.split('/').pop()]);
      expect(integrity(target)).toBe('ok');
    } finally {
      if (!stopped) {
        portal.kill('SIGKILL');
        await portal.exited;
      }
    }
  }, PROCESS_TIMEOUT_MS);

  it('refuses a file that is not a backup of this portal’s database, and changes nothing', async () => {
    const target = join(restoredDir, 'portal.db');
    const before = sha256(readFileSync(target));
    const listing = readdirSync(restoredDir).sort();

    const garbage = join(root, 'garbage.db');
    writeFileSync(garbage, randomBytes(64 * 1024));
    const refused = await cli(restoredDir, ['restore', garbage, '--lang', 'en']).finished;
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`${garbage} is not a SQLite database. Nothing was changed.`);

    // A sound SQLite database, but someone else's.
    const foreign = join(root, 'foreign.db');
    const other = new SQLite(foreign);
    other.exec('create table notes (id integer primary key, text text); insert into notes (text) values (\'x\')');
    other.close();
    const io = { out: '', err: '' };
    const code = await runDatabaseFileCommand(['restore', foreign, '--lang', 'en'], target, {
      stdout: { write: (s: string) => ((io.out += s), true) },
      stderr: { write: (s: string) => ((io.err += s), true) },
    });
    expect(code).toBe(1);
    expect(io.err).toContain('is not a backup of this portal');

    expect(sha256(readFileSync(target))).toBe(before);
    expect(readdirSync(restoredDir).sort()).toEqual(listing);
  }, PROCESS_TIMEOUT_MS);

  it('on PostgreSQL refuses both, pointing to PostgreSQL’s own tools', async () => {
    for (const command of ['backup', 'restore']) {
      let err = '';
      const code = await runDatabaseFileCommand([command, join(root, 'x.db'), '--lang', 'en'], 'postgres://portal@127.0.0.1:5432/portal', {
        stdout: { write: () => true },
        stderr: { write: (s: string) => ((err += s), true) },
      });
      expect(code).toBe(1);
      expect(err).toContain('pg_dump');
      expect(err).toContain('pg_basebackup');
    }
    expect(existsSync(join(root, 'x.db'))).toBe(false);
  });
});
