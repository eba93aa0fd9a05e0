import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * The results-day waiting room (src/web/waiting-room.ts): one row that every instance shares, so tickets are
 * numbered in one order and admitted in it. `issued` is the last number handed out, `admitted_up_to` the last
 * number let in; `ticket_key` signs the tickets, so any instance can check a ticket another one issued.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('waiting_room')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('issued', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`issued >= 0`),
    )
    .addColumn('admitted_up_to', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`admitted_up_to >= 0`),
    )
    .addColumn('ticket_key', 'text', (c) => c.notNull().check(sql`length(ticket_key) = 64`))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('waiting_room_admits_only_issued', sql`admitted_up_to <= issued`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('waiting_room').execute();
}
