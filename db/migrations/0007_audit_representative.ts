import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then */

/**
 * A representative who acted for someone through the Latvija.lv e-service (a parent for a child) is named in
 * the audit log by personal code in a column of its own, no longer inside the free-text `actor`: the agency can
 * still tell a person who acted for them (their right of access), while `actor` and everything else that is
 * displayed or exported carries only the masked code. Earlier entries are moved over.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('audit_log')
    .addColumn('actor_personal_code', 'text', (c) => c.check(sql`actor_personal_code is null or length(actor_personal_code) = 11`))
    .execute();
  // "representative:" is 15 characters; the code follows. Masked as maskPersonalCode masks it.
  await sql`update audit_log
    set actor_personal_code = substr(actor, 16),
        actor = case when substr(actor, 16, 2) = '32'
          then 'representative:' || substr(actor, 16, 4) || '*******'
          else 'representative:' || substr(actor, 16, 6) || '-*****' end
    where actor like 'representative:%' and length(actor) = 26`.execute(db);
  await db.schema
    .createIndex('audit_log_actor_personal_code')
    .on('audit_log')
    .columns(['actor_personal_code', 'at'])
    .where(sql.ref('actor_personal_code'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_actor_personal_code').execute();
  await sql`update audit_log set actor = 'representative:' || actor_personal_code where actor_personal_code is not null`.execute(db);
  await db.schema.alterTable('audit_log').dropColumn('actor_personal_code').execute();
}
