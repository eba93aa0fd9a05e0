/**
 * The waiting room's shared order: one row (table `waiting_room`, id 1) that every instance reads and moves, so
 * that tickets issued by any instance are numbered in one sequence and admitted in it. Each statement is one
 * atomic update, the same on SQLite and PostgreSQL (PostgreSQL takes the row lock for the moment of the update).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

export interface WaitingLine {
  /** The last ticket number handed out. */
  issued: number;
  /** Tickets up to this number are let in. */
  admittedUpTo: number;
}

/**
 * The row, created on first use with a new random ticket key; every instance then reads the same key. Returns
 * the key as bytes.
 */
export async function waitingRoomKey(db: Kysely<Database>, at: Date): Promise<Buffer> {
  await db
    .insertInto('waiting_room')
    .values({ id: 1, ticket_key: randomBytes(32).toString('hex'), updated_at: at.toISOString() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const row = await db.selectFrom('waiting_room').select('ticket_key').where('id', '=', 1).executeTakeFirstOrThrow();
  return Buffer.from(row.ticket_key, 'hex');
}

/** The next number in line: the one shared counter goes up by one and its new value is this visitor's. */
export async function takeWaitingNumber(db: Kysely<Database>, at: Date): Promise<WaitingLine & { number: number }> {
  const row = await db
    .updateTable('waiting_room')
    .set({ issued: sql`issued + 1`, updated_at: at.toISOString() })
    .where('id', '=', 1)
    .returning(['issued', 'admitted_up_to'])
    .executeTakeFirstOrThrow();
  return { number: row.issued, issued: row.issued, admittedUpTo: row.admitted_up_to };
}

export async function readWaitingLine(db: Kysely<Database>): Promise<WaitingLine> {
  const row = await db.selectFrom('waiting_room').select(['issued', 'admitted_up_to']).where('id', '=', 1).executeTakeFirst();
  return { issued: row?.issued ?? 0, admittedUpTo: row?.admitted_up_to ?? 0 };
}

/**
 * Lets `count` more tickets in, never past the last one issued. Every instance adds what it can serve, so the
 * line moves at the rate of the whole portal.
 */
export async function admitWaiting(db: Kysely<Database>, count: number, at: Date): Promise<WaitingLine> {
  const step = Math.max(0, Math.floor(count));
  const row = await db
    .updateTable('waiting_room')
    .set({
      admitted_up_to: sql`case when admitted_up_to + ${step} > issued then issued else admitted_up_to + ${step} end`,
      updated_at: at.toISOString(),
    })
    .where('id', '=', 1)
    .returning(['issued', 'admitted_up_to'])
    .executeTakeFirstOrThrow();
  return { issued: row.issued, admittedUpTo: row.admitted_up_to };
}
