/**
 * The roles a staff member can have, one at a time: a school's superuser (sees one institution), a partner
 * university's staff (one institution too: they register external candidates, who sit the exams there), agency
 * staff (operate: every institution, the agency's workflows) and agency administrators (agency staff who also
 * manage staff and their roles).
 */
export const STAFF_ROLES = ['school', 'university', 'agency', 'agency-admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** The roles scoped to one institution, which therefore name it. */
export function roleHasInstitution(role: StaffRole): role is 'school' | 'university' {
  return role === 'school' || role === 'university';
}
