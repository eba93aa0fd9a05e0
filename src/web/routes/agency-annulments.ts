/**
 * Annulment by two people, under /staff/agency/annulments: `GET /` (the open requests, the latest decisions and
 * the search form), `POST /find` (certificates by number or by the holder's personal code: a form, so the code
 * never sits in an address), `POST /` (request an annulment with a reason), and `POST /:id/confirm` or
 * `/:id/reject` (the second person's decision; the requester is refused with the reason).
 */
import { Hono, type Context } from 'hono';
import { agencyAnnulmentsPage, type AnnulmentsView } from '../../../views/agency-annulments.js';
import { audit } from '../../data/audit.js';
import { AnnulmentError, decideAnnulment, findCertificates, listAnnulmentRequests, requestAnnulment } from '../../data/annulment-requests.js';
import { CertificateError } from '../../data/certificates.js';
import { findPersonByCode } from '../../data/sign-in.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { parsePersonalCode } from '../../domain/personal-code.js';
import { agencyActor, type AgencyDependencies } from '../agency-access.js';
import { pageContext, type AppEnv } from '../context.js';
import { idParam, textFields } from '../forms.js';
import { sendHtml } from '../respond.js';

const DONE = ['requested', 'confirmed', 'rejected'] as const;

export function agencyAnnulmentRoutes(deps: AgencyDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  const render = async (c: Context<AppEnv>, extra: Partial<AnnulmentsView>, status: 200 | 404 | 409 | 422 = 200) => {
    const [pending, decided] = await Promise.all([listAnnulmentRequests(deps.db, 'pending'), listAnnulmentRequests(deps.db, 'decided', 20)]);
    const view: AnnulmentsView = { pending, decided, userId: agencyActor(c).userId, errors: [], ...extra };
    return sendHtml(c, agencyAnnulmentsPage(pageContext(c), view), status);
  };

  app.get('/', async (c) => {
    const done = c.req.query('done');
    const parsed = parseCertificateNumber(c.req.query('number') ?? '');
    const known = parsed && (DONE as readonly string[]).includes(done ?? '');
    return render(c, known ? { done: { step: done as (typeof DONE)[number], number: buildCertificateNumber(parsed) } } : {});
  });

  app.post('/find', async (c) => {
    const form = textFields(await c.req.parseBody());
    const t = pageContext(c).t;
    const numberText = form.number?.trim() ?? '';
    const personText = form.person?.trim() ?? '';
    const search = { number: numberText, person: personText };
    if ((numberText === '') === (personText === '')) {
      return render(c, { search, errors: [{ field: 'find-number', text: t('agency.annul.problem.oneOf') }] }, 422);
    }
    let subject: string;
    let query: { number: string } | { personalCode: string };
    if (numberText) {
      const parsed = parseCertificateNumber(numberText);
      if (!parsed) return render(c, { search, errors: [{ field: 'find-number', text: t('certificate.bad-number', { value: numberText }) }] }, 422);
      const number = buildCertificateNumber(parsed);
      query = { number };
      subject = `certificate:${number}`;
    } else {
      const parsed = parsePersonalCode(personText);
      if (!parsed.ok) return render(c, { search, errors: [{ field: 'find-person', text: t('agency.annul.problem.personalCode') }] }, 422);
      const person = await findPersonByCode(deps.db, parsed.code);
      query = { personalCode: parsed.code };
      subject = person ? `person:${person.personId}` : 'person:unknown';
    }
    const found = await findCertificates(deps.db, query);
    // Looking up someone's certificates is seeing their data: recorded like any other look.
    await audit(deps.db, { actor: agencyActor(c).actor, channel: 'agency', action: 'certificate.search', subject, details: { found: found.length } }, clock());
    return render(c, { search, found });
  });

  app.post('/', async (c) => {
    const form = textFields(await c.req.parseBody());
    const t = pageContext(c).t;
    const number = form.number?.trim() ?? '';
    const reason = form.reason?.trim() ?? '';
    const requestForm = { number, reason };
    if (reason === '') return render(c, { requestForm, errors: [{ field: 'reason', text: t('certificate.reason-required') }] }, 422);
    try {
      await requestAnnulment(deps.db, { number, reason }, agencyActor(c), clock());
    } catch (error) {
      if (!(error instanceof CertificateError) && !(error instanceof AnnulmentError)) throw error;
      return render(c, { requestForm, errors: [{ field: 'number', text: t(error.key, error.params) }] }, 409);
    }
    return c.redirect(`/staff/agency/annulments?done=requested&number=${encodeURIComponent(number)}#pending-title`, 303);
  });

  for (const decision of ['confirm', 'reject'] as const) {
    app.post(`/:id/${decision}`, async (c) => {
      const id = idParam(c.req.param('id'));
      const t = pageContext(c).t;
      let number: string;
      try {
        ({ number } = await decideAnnulment(deps.db, id, decision, agencyActor(c), clock()));
      } catch (error) {
        if (!(error instanceof CertificateError) && !(error instanceof AnnulmentError)) throw error;
        return render(c, { errors: [{ text: t(error.key, error.params) }] }, error.key === 'agency.annul.error.unknownRequest' ? 404 : 409);
      }
      const done = decision === 'confirm' ? 'confirmed' : 'rejected';
      return c.redirect(`/staff/agency/annulments?done=${done}&number=${encodeURIComponent(number)}#decided-title`, 303);
    });
  }

  return app;
}
