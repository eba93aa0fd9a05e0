/**
 * School and agency staff: who they are (users, found by the personal code their sign-in service gives) and what
 * they may see (roles). A school user sees one institution; agency staff see every institution; agency
 * administrators are agency staff who also manage staff and their roles. The command line (`staff`) and the
 * agency's staff page both change staff through the functions here.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { maskPersonalCode } from '../domain/personal-code.js';
import { roleHasInstitution, type StaffRole } from '../domain/staff-roles.js';
import { KeyedError } from '../errors.js';
import { audit } from './audit.js';

/**
 * What a signed-in staff member may see: every query on school data is narrowed by this. `administrator` is
 * present (true) only for agency administrators. A partner university's staff have an institution scope like a
 * school's (every query narrowed by the institution applies to them unchanged), marked `university`: what differs
 * is whom they register for the exams (external candidates, not their own pupils).
 */
export type StaffScope =
  | { kind: 'agency'; administrator?: true }
  | { kind: 'school'; institutionId: number; institutionName: string; university?: true };


/** Who changes staff, for the audit log: the command line or an administrator on the staff page. */
export interface StaffChangeContext {
  actor: string;
  channel: string;
  now?: Date;
}

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
    .select(['user_roles.role', 'user_roles.institution_id', 'user_roles.administrator', 'institutions.name'])
    .where('user_roles.user_id', '=', userId)
    .execute();
  if (roles.some((r) => r.role === 'agency')) return roles.some((r) => r.administrator === 1) ? { kind: 'agency', administrator: true } : { kind: 'agency' };
  const institutions = roles.filter((r) => r.role !== 'agency' && r.institution_id !== null);
  if (institutions.length !== 1) return undefined;
  const [only] = institutions as [(typeof institutions)[number]];
  return { kind: 'school', institutionId: only.institution_id!, institutionName: only.name ?? '', ...(only.role === 'university' ? { university: true as const } : {}) };
}

export interface StaffUserSpec {
  personalCode: string;
  displayName: string;
  role: StaffRole;
  /** The institution's 10-digit registration number, for a school or university user. */
  institution?: string;
}

/** A staff user could not be saved: `staff.error.no-institution` or `staff.error.unknown-institution`. */
export class StaffUserError extends KeyedError {}

/**
 * Creates the user (or renames an existing one) and gives them exactly this one role; with a context, the change
 * is audited in the same transaction (the personal code masked).
 */
export async function saveStaffUser(db: Kysely<Database>, spec: StaffUserSpec, context?: StaffChangeContext): Promise<number> {
  const now = context?.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    let institutionId: number | null = null;
    if (roleHasInstitution(spec.role)) {
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
    await trx
      .insertInto('user_roles')
      .values({
        user_id: userId,
        role: roleHasInstitution(spec.role) ? spec.role : 'agency',
        institution_id: institutionId,
        administrator: spec.role === 'agency-admin' ? 1 : 0,
      })
      .execute();
    if (context)
      await audit(
        trx,
        {
          actor: context.actor,
          channel: context.channel,
          action: existing ? 'staff.change' : 'staff.add',
          subject: `user:${userId}`,
          details: { personalCode: maskPersonalCode(spec.personalCode), role: spec.role, ...(spec.institution ? { institution: spec.institution } : {}) },
        },
        now,
      );
    return userId;
  });
}

export interface DemoStaffUser {
  userId: number;
  displayName: string;
  /** The institution's name for a school or university user; undefined for agency staff. */
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
  return rows.map((r) => ({ userId: r.id, displayName: r.display_name, ...(r.role !== 'agency' && r.name ? { institution: r.name } : {}) }));
}

export interface StaffListing {
  userId: number;
  personalCode: string;
  displayName: string;
  role: StaffRole;
  /** The institution's registration number and name, for a school or university user. */
  institution: string | null;
  institutionName: string | null;
}

function staffListingQuery(db: Kysely<Database>) {
  return db
    .selectFrom('users')
    .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
    .leftJoin('institutions', 'institutions.id', 'user_roles.institution_id')
    .select(['users.id', 'users.subject', 'users.display_name', 'user_roles.role', 'user_roles.administrator', 'institutions.registration_number', 'institutions.name']);
}

function toListing(r: {
  id: number;
  subject: string;
  display_name: string;
  role: 'agency' | 'school' | 'university';
  administrator: 0 | 1;
  registration_number: string | null;
  name: string | null;
}): StaffListing {
  return {
    userId: r.id,
    personalCode: r.subject,
    displayName: r.display_name,
    role: r.role !== 'agency' ? r.role : r.administrator === 1 ? 'agency-admin' : 'agency',
    institution: r.registration_number,
    institutionName: r.name,
  };
}

/** Every staff user with their role, for the command line and the agency's staff page. */
export async function listStaffUsers(db: Kysely<Database>): Promise<StaffListing[]> {
  const rows = await staffListingQuery(db).orderBy('user_roles.role').orderBy('users.display_name').execute();
  return rows.map(toListing);
}

/** One staff user with their role, or undefined when the id has no role (any more). */
export async function findStaffListing(db: Kysely<Database>, userId: number): Promise<StaffListing | undefined> {
  const row = await staffListingQuery(db).where('users.id', '=', userId).executeTakeFirst();
  return row && toListing(row);
}

/**
 * Takes every role from the user and ends their sessions at once; true when there was such a user. With a
 * context, the removal is audited in the same transaction.
 */
export async function removeStaffUser(db: Kysely<Database>, personalCode: string, context?: StaffChangeContext): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('subject', '=', personalCode).executeTakeFirst();
    if (!user) return false;
    await trx.deleteFrom('user_roles').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('web_sessions').where('user_id', '=', user.id).execute();
    if (context)
      await audit(
        trx,
        { actor: context.actor, channel: context.channel, action: 'staff.remove', subject: `user:${user.id}`, details: { personalCode: maskPersonalCode(personalCode) } },
        context.now ?? new Date(),
      );
    return true;
  });
}
