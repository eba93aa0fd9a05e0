/**
 * The roles a staff member can have, one at a time: a school's superuser (sees one institution), agency staff
 * (operate: every institution, the agency's workflows) and agency administrators (agency staff who also manage
 * staff and their roles).
 */
export const STAFF_ROLES = ['school', 'agency', 'agency-admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
