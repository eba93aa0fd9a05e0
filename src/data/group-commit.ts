import type { Kysely } from 'kysely';
import { insertRows, type TableRows } from '../../db/prepared.js';
import type { Database } from '../../db/schema.js';

/**
 * Group commit: writes asked for while the previous one is being made, or within the same turn of the event
 * loop, go to the database together, as one statement or one transaction. Each caller still waits for its own
 * write, so nothing is answered before it is stored (a crash loses nothing that was confirmed). On results day
 * thousands of students sign in within minutes, and one insert of forty rows costs about what one of a single
 * row does, on SQLite (one commit) and even more so on PostgreSQL (one round trip).
 */
export class GroupCommit<T, R = undefined> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private scheduled = false;
  private writing = false;

  /**
   * `write` stores a batch and answers one result per item, in order. `maxBatch` bounds a batch (and with it the
   * number of parameters in one statement).
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled || this.writing) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.drain();
      });
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) await this.writeBatch(this.pending.splice(0, this.maxBatch));
    } finally {
      this.writing = false;
    }
  }

  private async writeBatch(batch: typeof this.pending): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      // The batch was one statement or transaction, so nothing of it was stored: each again on its own, so that
      // one bad item fails only its own caller.
      for (const entry of batch) {
        try {
          const [result] = await this.write([entry.item]);
          entry.resolve(result!);
        } catch (alone) {
          entry.reject(alone);
        }
      }
    }
  }
}

const rowWriters = new WeakMap<Kysely<Database>, GroupCommit<readonly TableRows[]>>();

/**
 * Inserts rows, all or nothing, in this database's next group commit: together with the rows that other requests
 * ask for at the same moment (sign-ins, the audit entries of downloads), as one transaction on SQLite and one
 * statement on PostgreSQL. It returns once they are stored; rows that cannot be stored fail only their own caller.
 * In a transaction they are written in it, and commit or roll back with it.
 */
export async function insertWithOthers(db: Kysely<Database>, writes: readonly TableRows[]): Promise<void> {
  if (db.isTransaction) return insertRows(db, writes);
  let writer = rowWriters.get(db);
  if (!writer) {
    writer = new GroupCommit(async (items: (readonly TableRows[])[]) => {
      const byTable = new Map<string, Record<string, unknown>[]>();
      for (const item of items) {
        for (const write of item) {
          const rows = byTable.get(write.table);
          if (rows) rows.push(...write.rows);
          else byTable.set(write.table, [...write.rows]);
        }
      }
      await insertRows(db, [...byTable].map(([table, rows]) => ({ table, rows })));
      return items.map(() => undefined);
    });
    rowWriters.set(db, writer);
  }
  await writer.submit(writes);
}
