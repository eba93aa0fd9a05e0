import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * "Your results are available" notices by e-mail, which a holder asks for themselves:
 *
 * - `notice_subscriptions`: one address per person, unconfirmed until the link sent to it is opened (only the
 *   SHA-256 of that link's token is kept, with its expiry). Removed when the holder removes it or unsubscribes.
 * - `notice_messages`: the outbox and the record of what was sent. A row names the person and the message (a
 *   confirmation, or the release moment it announces), never the address: it is read from the subscription when
 *   the message goes out, so removing the address leaves no copy here. Instances claim rows with a lease; the
 *   unique (person, release) pair makes enqueueing the same notice twice impossible.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const id = (c: ColumnDefinitionBuilder) => (pg ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable('notice_subscriptions')
    .addColumn('id', 'integer', id)
    .addColumn('person_id', 'integer', (c) => c.notNull().unique().references('persons.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`length(email) between 3 and 254`))
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('lv', 'en')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    // The confirmation link's token, as SHA-256 hex, until it is used or replaced.
    .addColumn('confirm_token_hash', 'text', (c) => c.unique())
    .addColumn('confirm_expires_at', 'text')
    .execute();

  await db.schema
    .createTable('notice_messages')
    .addColumn('id', 'integer', id)
    .addColumn('person_id', 'integer', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    // The address's subscription; null once the address is removed (a message still waiting is then cancelled).
    .addColumn('subscription_id', 'integer', (c) => c.references('notice_subscriptions.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('confirm', 'release')`))
    // The release moment announced: "<school year>:<education>", e.g. "2025:basic"; null for a confirmation.
    .addColumn('release_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sent', 'failed', 'cancelled')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('claimed_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('message_id', 'text')
    // What the mail server last answered (code and text), or why the message was not sent.
    .addColumn('outcome', 'text')
    // SHA-256 hex of the unsubscribe token in the message as sent.
    .addColumn('unsubscribe_hash', 'text', (c) => c.unique())
    .execute();
  await db.schema.createIndex('notice_messages_release').unique().on('notice_messages').columns(['person_id', 'release_key']).execute();
  await db.schema.createIndex('notice_messages_queue').on('notice_messages').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notice_messages_subscription').on('notice_messages').column('subscription_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notice_messages').execute();
  await db.schema.dropTable('notice_subscriptions').execute();
}
