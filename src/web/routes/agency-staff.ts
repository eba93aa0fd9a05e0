/**
 * Staff and roles, under /staff/agency/staff, for agency administrators only (404 to everyone else): `GET /`
 * (the list and the form to add someone), `POST /` (add), `GET /:id` and `POST /:id` (change name, role and
 * school), `POST /:id/remove` (take every role away and end their sign-ins at once). The command line's `staff`
 * command changes staff through the same functions (src/data/staff.ts). Administrators cannot change or remove
 * themselves, so the agency is never left without one by a slip.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { agencyStaffEditPage, agencyStaffPage, type StaffForm } from '../../../views/agency-staff.js';
import { findStaffListing, findStaffUser, listStaffUsers, removeStaffUser, saveStaffUser, StaffUserError } from '../../data/staff.js';
import { roleHasInstitution, STAFF_ROLES, type StaffRole } from '../../domain/staff-roles.js';
import { parsePersonalCode } from '../../domain/personal-code.js';
import { agencyActor, requireAgencyAdministrator, type AgencyDependencies } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import type { FormError } from '../../../views/forms.js';
import { idParam, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';

const DONE = ['added', 'changed', 'removed'] as const;

/** The form's role, name and school, checked; the personal code only when adding. */
function readForm(t: (key: string) => string, form: Record<string, string>, withCode: boolean): { value: StaffForm; errors: FormError[] } {
  const value: StaffForm = {
    personalCode: form.personal_code?.trim() ?? '',
    name: form.name?.trim() ?? '',
    role: (STAFF_ROLES as readonly string[]).includes(form.role ?? '') ? (form.role as StaffRole) : undefined,
    institution: form.institution?.trim() ?? '',
  };
  const errors: FormError[] = [];
  if (withCode && !parsePersonalCode(value.personalCode).ok) errors.push({ field: 'personal_code', text: t('agency.staff.problem.personalCode') });
  if (value.name === '' || value.name.length > 100) errors.push({ field: 'name', text: t('agency.staff.problem.name') });
  if (!value.role) errors.push({ field: 'role', text: t('agency.staff.problem.role') });
  if (value.role && roleHasInstitution(value.role) && !/^\d{10}$/.test(value.institution))
    errors.push({ field: 'institution', text: t('agency.staff.problem.institution') });
  return { value, errors };
}

export function agencyStaffRoutes(deps: AgencyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());
  app.use('*', requireAgencyAdministrator());

  const renderList = async (
    c: Context<AppEnv>,
    extra: { form?: StaffForm; errors?: FormError[]; done?: (typeof DONE)[number] } = {},
    status: 200 | 409 | 422 = 200,
  ) => {
    const staff = await listStaffUsers(deps.db);
    const collator = new Intl.Collator('lv');
    staff.sort((a, b) => STAFF_ROLES.indexOf(b.role) - STAFF_ROLES.indexOf(a.role) || collator.compare(a.displayName, b.displayName));
    return sendHtml(c, agencyStaffPage(pageContext(c), { staff, self: agencyActor(c).userId, errors: [], ...extra }), status);
  };

  const change = async (c: Context<AppEnv>) => {
    const userId = idParam(c.req.param('id'));
    const listing = await findStaffListing(deps.db, userId);
    if (!listing) throw new HTTPException(404);
    return listing;
  };

  app.get('/', async (c) => {
    const done = c.req.query('done');
    return renderList(c, (DONE as readonly string[]).includes(done ?? '') ? { done: done as (typeof DONE)[number] } : {});
  });

  app.post('/', async (c) => {
    const t = pageContext(c).t;
    const { value, errors } = readForm(t, textFields(await c.req.parseBody()), true);
    if (errors.length > 0) return renderList(c, { form: value, errors }, 422);
    const code = (parsePersonalCode(value.personalCode) as { code: string }).code;
    if (await findStaffUser(deps.db, code))
      return renderList(c, { form: value, errors: [{ field: 'personal_code', text: t('agency.staff.problem.exists') }] }, 409);
    try {
      await saveStaffUser(
        deps.db,
        { personalCode: code, displayName: value.name, role: value.role!, ...(roleHasInstitution(value.role!) ? { institution: value.institution } : {}) },
        { actor: agencyActor(c).actor, channel: 'agency', now: clock() },
      );
    } catch (error) {
      if (!(error instanceof StaffUserError)) throw error;
      return renderList(c, { form: value, errors: [{ field: 'institution', text: t(error.key, error.params) }] }, 422);
    }
    return c.redirect('/staff/agency/staff?done=added', 303);
  });

  app.get('/:id', async (c) => {
    const listing = await change(c);
    return sendHtml(c, agencyStaffEditPage(pageContext(c), { listing, self: listing.userId === agencyActor(c).userId, errors: [] }));
  });

  app.post('/:id', async (c) => {
    const listing = await change(c);
    const t = pageContext(c).t;
    const self = listing.userId === agencyActor(c).userId;
    const { value, errors } = readForm(t, textFields(await c.req.parseBody()), false);
    if (self) errors.push({ text: t('agency.staff.problem.self') });
    if (errors.length > 0) return sendHtml(c, agencyStaffEditPage(pageContext(c), { listing, self, form: value, errors }), self ? 409 : 422);
    try {
      await saveStaffUser(
        deps.db,
        {
          personalCode: listing.personalCode,
          displayName: value.name,
          role: value.role!,
          ...(roleHasInstitution(value.role!) ? { institution: value.institution } : {}),
        },
        { actor: agencyActor(c).actor, channel: 'agency', now: clock() },
      );
    } catch (error) {
      if (!(error instanceof StaffUserError)) throw error;
      return sendHtml(
        c,
        agencyStaffEditPage(pageContext(c), { listing, self, form: value, errors: [{ field: 'institution', text: t(error.key, error.params) }] }),
        422,
      );
    }
    return c.redirect('/staff/agency/staff?done=changed', 303);
  });

  app.post('/:id/remove', async (c) => {
    const listing = await change(c);
    const t = pageContext(c).t;
    if (listing.userId === agencyActor(c).userId) {
      return sendHtml(c, agencyStaffEditPage(pageContext(c), { listing, self: true, errors: [{ text: t('agency.staff.problem.self') }] }), 409);
    }
    await removeStaffUser(deps.db, listing.personalCode, { actor: agencyActor(c).actor, channel: 'agency', now: clock() });
    return c.redirect('/staff/agency/staff?done=removed', 303);
  });

  return app;
}
