/**
 * School and agency staff: who they are (users, found by the personal code their sign-in service gives) and what
 * they may see (roles). A school user sees one institution; agency staff see every institution.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { KeyedError } from '../errors.js';

/** What a signed-in staff member may see: every query on school data is narrowed by this. */
export type StaffScope = { kind: 'agency' } | { kind: 'school'; institutionId: number; institutionName: string };

export interface StaffUser {
  userId: number;
  displayName: string;
}

/** The staff user with this personal code as their sign-in subject, if they have any role at all. */
export async function findStaffUser(db: Kysely<Database>, personalCode: string): Promise<StaffUser | undefined> {
  const row = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .select(['users.id', 'users.display_name'])
    .where('users.subject', '=', personalCode)
    .executeTakeFirst();
  return row && { userId: row.id, displayName: row.display_name };
}

/**
 * The user's scope, or undefined when they have no role (any more). Agency staff win over a school role; a user
 * with roles at two schools is refused rather than shown a mixture (the command line keeps one school per user).
 */
export async function loadStaffScope(db: Kysely<Database>, userId: number): Promise<StaffScope | undefined> {
  const roles = await db
    .selectFrom('user_roles')
    .leftJoin('institutions', 'institutions.id', 'user_roles.institution_id')
    .select(['user_roles.role', 'user_roles.institution_id', 'institutions.name'])
    .where('user_roles.user_id', '=', userId)
    .execute();
  if (roles.some((r) => r.role === 'agency')) return { kind: 'agency' };
  const schools = roles.filter((r) => r.role === 'school' && r.institution_id !== null);
  if (schools.length !== 1) return undefined;
  return { kind: 'school', institutionId: schools[0]!.institution_id!, institutionName: schools[0]!.name ?? '' };
}

export interface StaffUserSpec {
  personalCode: string;
  displayName: string;
  role: 'agency' | 'school';
  /** The school's 10-digit registration number, for a school user. */
  institution?: string;
}

/** A staff user could not be saved: `staff.error.no-institution` or `staff.error.unknown-institution`. */
export class StaffUserError extends KeyedError {}

/** Creates the user (or renames an existing one) and gives them exactly this one role. */
export async function saveStaffUser(db: Kysely<Database>, spec: StaffUserSpec, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let institutionId: number | null = null;
    if (spec.role === 'school') {
      if (!spec.institution) throw new StaffUserError('staff.error.no-institution');
      const institution = await trx.selectFrom('institutions').select('id').where('registration_number', '=', spec.institution).executeTakeFirst();
      if (!institution) throw new StaffUserError('staff.error.unknown-institution', { value: spec.institution });
      institutionId = institution.id;
    }
    const existing = await trx.selectFrom('users').select('id').where('subject', '=', spec.personalCode).executeTakeFirst();
    let userId: number;
    if (existing) {
      userId = existing.id;
      await trx.updateTable('users').set({ display_name: spec.displayName }).where('id', '=', userId).execute();
      await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
    } else {
      const inserted = await trx
        .insertInto('users')
        .values({ subject: spec.personalCode, display_name: spec.displayName, created_at: now.toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow();
      userId = inserted.id;
    }
    await trx.insertInto('user_roles').values({ user_id: userId, role: spec.role, institution_id: institutionId }).execute();
    return userId;
  });
}

export interface DemoStaffUser {
  userId: number;
  displayName: string;
  /** The institution's name for a school user; undefined for agency staff. */
  institution?: string;
}

/** The staff users the development sign-in offers: everyone with a role, agency staff first. */
export async function demoStaffUsers(db: Kysely<Database>, limit = 10): Promise<DemoStaffUser[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .leftJoin('institutions', 'institutions.id', 'user_roles.institution_id')
    .select(['users.id', 'users.display_name', 'user_roles.role', 'institutions.name'])
    .orderBy('user_roles.role')
    .orderBy('users.id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ userId: r.id, displayName: r.display_name, ...(r.role === 'school' && r.name ? { institution: r.name } : {}) }));
}

export interface StaffListing {
  personalCode: string;
  displayName: string;
  role: 'agency' | 'school';
  institution: string | null;
}

/** Every staff user with their role, for the command line. */
export async function listStaffUsers(db: Kysely<Database>): Promise<StaffListing[]> {
  const rows = await db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .leftJoin('institutions', 'institutions.id', 'user_roles.institution_id')
    .select(['users.subject', 'users.display_name', 'user_roles.role', 'institutions.registration_number'])
    .orderBy('user_roles.role')
    .orderBy('users.display_name')
    .execute();
  return rows.map((r) => ({ personalCode: r.subject, displayName: r.display_name, role: r.role, institution: r.registration_number }));
}

/** Takes every role from the user and ends their sessions; true when there was such a user. */
export async function removeStaffUser(db: Kysely<Database>, personalCode: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('subject', '=', personalCode).executeTakeFirst();
    if (!user) return false;
    await trx.deleteFrom('user_roles').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('web_sessions').where('user_id', '=', user.id).execute();
    return true;
  });
}
