/**
 * Copies of the embedded (SQLite) database: the only copy of the register and of every sealed document when the
 * portal runs on one machine. A backup is taken with SQLite's online backup API while the portal keeps working;
 * a restore puts a checked copy in place of the database file, only while nothing has that file open.
 *
 * Both write next to their target and rename at the end, so a target is either the old file or the complete new
 * one, never half of one. Every copy is checked before it counts: SQLite's integrity check, a schema this code
 * knows, and every sealed document against the SHA-256 the register holds for it.
 */
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrations } from '../../db/migrations/index.js';
import { KeyedError } from '../errors.js';

/** A backup or restore that cannot be done, with the reason as a message key (`backup.*`). */
export class BackupRefused extends KeyedError {}

export interface DatabaseCopy {
  /** The file the copy is in, absolute. */
  file: string;
  bytes: number;
  /** The newest schema migration the copy has. */
  migration: string;
  /** True when this code has newer migrations, which the portal applies when it starts on the copy. */
  older: boolean;
  certificates: number;
  /** Sealed documents, every one of which matched its recorded SHA-256. */
  documents: number;
}

export interface RestoreResult {
  restored: DatabaseCopy;
  /** Where the database that was replaced is kept; absent when there was none. */
  previous?: string;
}

/** Files SQLite keeps beside a database while it is in use; they belong to that database and move with it. */
const SIDECARS = ['-wal', '-shm', '-journal'];

/** Pages copied in one step of the backup: all of them, so that the copy is one snapshot read in one transaction. */
const EVERY_PAGE = 0x7fffffff;

/**
 * Writes a consistent copy of the live database `databaseFile` to `target`, while the portal and the command line
 * go on reading and writing: the copy is read in a single read transaction, which in WAL mode holds no writer
 * up. The copy is checked before it is renamed into place; a copy that fails its check is not kept.
 */
export async function backupDatabase(databaseFile: string, target: string): Promise<DatabaseCopy> {
  const source = resolve(databaseFile);
  const destination = resolve(target);
  if (!existsSync(source)) throw new BackupRefused('backup.no-database', { file: source });
  if (isPartOf(destination, source)) throw new BackupRefused('backup.same-file', { file: destination });
  if (!existsSync(dirname(destination))) throw new BackupRefused('backup.no-folder', { folder: dirname(destination) });
  const temporary = `${destination}.partial-${process.pid}`;
  removeWithSidecars(temporary);
  try {
    const live = new SQLite(source, { fileMustExist: true });
    try {
      await live.backup(temporary, { progress: () => EVERY_PAGE });
    } finally {
      live.close();
    }
    const copy = checkOwnCopy(temporary, destination);
    syncFile(temporary);
    const bytes = statSync(temporary).size;
    renameSync(temporary, destination);
    syncFolder(dirname(destination));
    return { ...copy, file: destination, bytes };
  } catch (error) {
    removeWithSidecars(temporary);
    throw error;
  }
}

/**
 * Replaces the database file with a copy of `backupFile`, keeping the replaced database beside it as
 * `<name>.before-restore-<time>`. Refused while any process (a portal instance, the command line, a report
 * worker) has the database open, and for a file that is not a sound copy of this portal's database. A refused
 * restore leaves the database as it was.
 */
export function restoreDatabase(backupFile: string, databaseFile: string, now = new Date()): RestoreResult {
  const source = resolve(backupFile);
  const target = resolve(databaseFile);
  if (!existsSync(source)) throw new BackupRefused('backup.no-file', { file: source });
  if (isPartOf(source, target)) throw new BackupRefused('backup.same-file', { file: source });
  // A new machine: the folder of the database may not be there yet.
  mkdirSync(dirname(target), { recursive: true });
  // Held from the check to the swap, so that no portal starts on the old file in between.
  const lock = existsSync(target) ? lockUnused(target) : undefined;
  const temporary = `${target}.restoring-${process.pid}`;
  try {
    removeWithSidecars(temporary);
    copyFileSync(source, temporary);
    const copy = checkOwnCopy(temporary, source);
    const bytes = statSync(temporary).size;
    syncFile(temporary);
    let previous: string | undefined;
    if (lock) {
      previous = freeName(`${target}.before-restore-${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z`);
      foldLog(lock);
    }
    // A write-ahead log left beside the old file belongs to it: it moves with it (to `previous`), or, with no
    // old file, aside, so that SQLite never applies it to the restored one.
    const aside = previous ?? freeName(`${target}.stale-${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z`);
    const moved: string[] = [];
    try {
      for (const suffix of ['', ...SIDECARS]) {
        if (!existsSync(target + suffix)) continue;
        renameSync(target + suffix, aside + suffix);
        moved.push(suffix);
      }
      renameSync(temporary, target);
    } catch (error) {
      // Never leave the portal without a database: what was moved goes back.
      for (const suffix of moved.reverse()) renameSync(aside + suffix, target + suffix);
      throw error;
    }
    syncFolder(dirname(target));
    lock?.close();
    if (previous) removeEmptyJournal(previous);
    return { restored: { ...copy, file: target, bytes }, ...(previous ? { previous } : {}) };
  } catch (error) {
    removeWithSidecars(temporary);
    throw error;
  } finally {
    lock?.close();
  }
}

/** Removes the empty rollback journal the lock's switch out of WAL mode leaves beside the old database. */
function removeEmptyJournal(database: string): void {
  const journal = `${database}-journal`;
  if (existsSync(journal) && statSync(journal).size === 0) rmSync(journal);
}

/**
 * Checks a copy this module made (and may change: it is put in rollback-journal mode, so that it is one
 * self-contained file): a SQLite database, sound by SQLite's integrity check, with a schema this code knows, and
 * every sealed document matching its recorded SHA-256.
 */
function checkOwnCopy(file: string, shownAs: string): Omit<DatabaseCopy, 'file' | 'bytes'> {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { fileMustExist: true });
  } catch (error) {
    throw refusedAs(error, shownAs);
  }
  try {
    try {
      db.pragma('journal_mode = DELETE');
    } catch (error) {
      throw refusedAs(error, shownAs);
    }
    const problems = (db.pragma('integrity_check(10)') as { integrity_check: string }[]).map((r) => r.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') throw new BackupRefused('backup.integrity', { file: shownAs, problems: problems.join('; ') });

    const known = Object.keys(migrations).sort();
    const hasMigrations = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get() !== undefined;
    const applied = hasMigrations ? (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name) : [];
    const unknown = applied.find((name) => !known.includes(name));
    if (unknown) throw new BackupRefused('backup.newer', { file: shownAs, migration: unknown });
    // Ours: the migrations it has are this code's first ones, in order, and at least the initial schema.
    if (applied.length === 0 || applied.some((name, i) => name !== known[i])) throw new BackupRefused('backup.not-ours', { file: shownAs });

    const count = (table: 'certificates' | 'certificate_documents') => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const certificates = count('certificates');
    let documents = 0;
    let damaged = 0;
    let firstDamaged = '';
    const rows = db
      .prepare('select c.number as number, d.sha256 as sha256, d.edoc as edoc from certificate_documents d join certificates c on c.id = d.certificate_id')
      .iterate() as Iterable<{ number: string; sha256: string; edoc: Buffer }>;
    for (const row of rows) {
      documents++;
      if (createHash('sha256').update(row.edoc).digest('hex') !== row.sha256) {
        damaged++;
        firstDamaged ||= row.number;
      }
    }
    if (damaged > 0) throw new BackupRefused('backup.documents', { file: shownAs, count: damaged, number: firstDamaged });
    if (documents !== count('certificate_documents')) throw new BackupRefused('backup.integrity', { file: shownAs, problems: 'sealed documents without a certificate' });
    return {
      migration: applied.at(-1)!,
      older: applied.length < known.length,
      certificates,
      documents,
    };
  } finally {
    db.close();
    for (const suffix of SIDECARS) rmSync(file + suffix, { force: true });
  }
}

/**
 * Opens the database so that no other connection can have it open: in exclusive locking mode the connection must
 * lock the file itself, which SQLite refuses while any other connection in WAL mode holds its shared lock (every
 * portal instance, command-line run and report worker does, for as long as it is connected). Nothing is waited
 * for: a portal keeps its connection until it stops. The lock lasts until the returned connection is closed.
 */
function lockUnused(file: string): SQLite.Database {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { fileMustExist: true, timeout: 0 });
  } catch (error) {
    throw new BackupRefused('backup.current-unreadable', { file, reason: String((error as Error).message) });
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('begin exclusive');
    db.exec('commit');
    return db;
  } catch (error) {
    db.close();
    const code = String((error as { code?: unknown }).code ?? '');
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw new BackupRefused('backup.in-use', { file });
    // A database SQLite cannot read at all cannot be asked whether it is in use.
    throw new BackupRefused('backup.current-unreadable', { file, reason: String((error as Error).message) });
  }
}

/**
 * Writes the old database's write-ahead log into its file, under the lock, so the file kept aside is complete by
 * itself. A database too damaged for that keeps its log beside it instead (the log moves with it).
 */
function foldLog(lock: SQLite.Database): void {
  try {
    // The switch is written through a rollback journal, which exclusive mode keeps: empty, so it can be removed.
    lock.pragma('journal_size_limit = 0');
    lock.pragma('journal_mode = DELETE');
  } catch {
    // The log stays, and is moved with the file.
  }
}

function refusedAs(error: unknown, file: string): unknown {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) return new BackupRefused('backup.not-a-database', { file });
  if (code.startsWith('SQLITE_CANTOPEN')) return new BackupRefused('backup.no-file', { file });
  return error;
}

/** `candidate` is the database file or one of the files SQLite keeps beside it. */
function isPartOf(candidate: string, databaseFile: string): boolean {
  return candidate === databaseFile || SIDECARS.some((suffix) => candidate === databaseFile + suffix);
}

/** `name`, or `name-2`, `name-3`… if taken: two restores within a second keep both old databases. */
function freeName(name: string): string {
  let candidate = name;
  for (let n = 2; [candidate, ...SIDECARS.map((s) => candidate + s)].some((f) => existsSync(f)); n++) candidate = `${name}-${n}`;
  return candidate;
}

function removeWithSidecars(file: string): void {
  for (const suffix of ['', ...SIDECARS]) rmSync(file + suffix, { force: true });
}

/** The copy's bytes are on the disk before it is renamed into place. */
function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The rename itself survives a power cut (where the platform lets a folder be synced). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform syncs a folder; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
