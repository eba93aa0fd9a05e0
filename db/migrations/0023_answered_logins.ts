import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

const NO_LONGER_KEPT = ['nonce', 'code_verifier', 'return_to'] as const;

/**
 * `login_attempts` keeps only the states a provider has answered, so that no answer makes a second session
 * (src/data/web-sessions.ts). A sign-in under way travels sealed in the browser's login cookie
 * (src/auth/login-cookie.ts): its nonce, PKCE verifier and return path are no longer stored anywhere.
 */
export async function up(db: Kysely<any>): Promise<void> {
  for (const column of NO_LONGER_KEPT) await db.schema.alterTable('login_attempts').dropColumn(column).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of NO_LONGER_KEPT)
    await db.schema
      .alterTable('login_attempts')
      .addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
      .execute();
}
