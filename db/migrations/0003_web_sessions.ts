import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * Sign-in state kept in the database, so that any instance can serve any request: the sessions themselves and
 * the short-lived state of OpenID Connect logins in progress.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('web_sessions')
    // SHA-256 of the cookie's random token: a copy of the table does not let anyone sign in.
    .addColumn('id_hash', 'text', (c) => c.primaryKey().check(sql`length(id_hash) = 64`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('student', 'staff')`))
    .addColumn('person_id', 'integer', (c) => c.references('persons.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addCheckConstraint('web_sessions_subject', sql`(kind = 'student' and person_id is not null) or (kind = 'staff' and user_id is not null)`)
    .execute();
  await db.schema.createIndex('web_sessions_expiry').on('web_sessions').column('expires_at').execute();

  await db.schema
    .createTable('login_attempts')
    .addColumn('state', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('code_verifier', 'text', (c) => c.notNull())
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('login_attempts').execute();
  await db.schema.dropTable('web_sessions').execute();
}
