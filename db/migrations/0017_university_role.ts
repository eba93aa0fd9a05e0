import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * A partner university's staff (role `university`): scoped to one institution like a school's, they register
 * external candidates (people who already hold a secondary education) for the exams.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await allowRoles(db, ['agency', 'school', 'university']);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from user_roles where role = 'university'`.execute(db);
  await allowRoles(db, ['agency', 'school']);
}

/**
 * Changes the roles `user_roles.role` allows; every role but the agency's names its institution. PostgreSQL swaps
 * the check constraints; SQLite cannot alter one, so the table is rebuilt under the same name (nothing refers to it).
 */
async function allowRoles(db: Kysely<any>, roles: readonly string[]): Promise<void> {
  const allowed = sql.join(roles.map((role) => sql.lit(role)));
  const scoped = sql.join(roles.filter((role) => role !== 'agency').map((role) => sql.lit(role)));
  if (isPostgres(db)) {
    await sql`alter table user_roles drop constraint user_roles_role_check`.execute(db);
    await sql`alter table user_roles drop constraint user_roles_school_has_institution`.execute(db);
    await sql`alter table user_roles add constraint user_roles_role_check check (role in (${allowed}))`.execute(db);
    await sql`alter table user_roles add constraint user_roles_school_has_institution check ((role in (${scoped})) = (institution_id is not null))`.execute(db);
    return;
  }
  await db.schema
    .createTable('user_roles_rebuilt')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in (${allowed})`))
    .addColumn('institution_id', 'integer', (c) => c.references('institutions.id'))
    .addColumn('administrator', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`administrator = 0 or (administrator = 1 and role = 'agency')`),
    )
    .addCheckConstraint('user_roles_school_has_institution', sql`(role in (${scoped})) = (institution_id is not null)`)
    .execute();
  await sql`insert into user_roles_rebuilt select id, user_id, role, institution_id, administrator from user_roles`.execute(db);
  await db.schema.dropTable('user_roles').execute();
  await db.schema.alterTable('user_roles_rebuilt').renameTo('user_roles').execute();
  await db.schema.createIndex('user_roles_user').on('user_roles').column('user_id').execute();
}
