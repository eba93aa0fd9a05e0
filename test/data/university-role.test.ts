/**
 * The university role on every database: a partner university's staff are scoped to their institution like a
 * school's (marked as a university), the database takes the new role only with an institution, and the staff
 * list names it.
 */
import { describe, expect, it } from 'vitest';
import { listStaffUsers, loadStaffScope, saveStaffUser, StaffUserError } from '../../src/data/staff.js';
import { DATABASE_KINDS, openTestDatabase } from '../support/databases.js';
import { validPersonalCode } from '../support/register.js';

describe.each(DATABASE_KINDS)('university role on %s', (kind) => {
  it('scopes a university user to their institution and refuses one without it', async () => {
    const test = await openTestDatabase(kind);
    try {
      const db = test.handle.db;
      const university = await db
        .insertInto('institutions')
        .values({ registration_number: '3341000218', name: 'Latvijas Universitāte', municipality: 'Rīga' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const userId = await saveStaffUser(db, { personalCode: validPersonalCode(941_001), displayName: 'Ilze Ozola', role: 'university', institution: '3341000218' });
      expect(await loadStaffScope(db, userId)).toEqual({ kind: 'school', institutionId: university.id, institutionName: 'Latvijas Universitāte', university: true });
      const schoolUserId = await saveStaffUser(db, { personalCode: validPersonalCode(941_002), displayName: 'Anna', role: 'school', institution: '3341000218' });
      expect(await loadStaffScope(db, schoolUserId)).not.toHaveProperty('university');
      expect((await listStaffUsers(db)).find((s) => s.userId === userId)).toMatchObject({ role: 'university', institution: '3341000218' });

      await expect(saveStaffUser(db, { personalCode: validPersonalCode(941_003), displayName: 'B', role: 'university' })).rejects.toBeInstanceOf(StaffUserError);
      const user = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirstOrThrow();
      // The database itself: a university role names its institution, and never carries the administrator flag.
      await expect(db.insertInto('user_roles').values({ user_id: user.id, role: 'university', institution_id: null }).execute()).rejects.toThrow();
      await expect(
        db.insertInto('user_roles').values({ user_id: user.id, role: 'university', institution_id: university.id, administrator: 1 }).execute(),
      ).rejects.toThrow();
    } finally {
      await test.close();
    }
  });
});
