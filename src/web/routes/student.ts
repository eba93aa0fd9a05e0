/** The student pages: results of exams taken, certificate downloads and viewing copies for their holder only. */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { edocHelpPage, resultsPage } from '../../../views/results.js';
import { audit } from '../../data/audit.js';
import type { Sealer } from '../../data/sealing.js';
import { holderCertificate, studentResults } from '../../data/student-results.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import { pageContext, type AppEnv } from '../context.js';
import { documentFor, sendEdoc, sendViewingCopy, viewingCopyFileName, viewingCopyOf } from '../edoc.js';
import { sendHtml } from '../respond.js';
import { signedInStudent } from '../session.js';
import { signedInActor } from '../signed-in.js';

export interface StudentDependencies {
  db: Kysely<Database>;
  /** Lets only signed-in students through (and sends others to sign in). */
  requireStudent: MiddlewareHandler<AppEnv>;
  /** Seals a certificate that has no document yet, in the worker pool. */
  seal?: Sealer;
  clock?: () => Date;
}

export function studentRoutes(deps: StudentDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const clock = deps.clock ?? (() => new Date());

  app.get('/results', deps.requireStudent, async (c) => {
    const { gender, results } = await studentResults(deps.db, signedInStudent(c).personId, clock());
    return sendHtml(c, resultsPage(pageContext(c), results, gender));
  });

  // What an .edoc is and how to open it: linked beside every download, readable without signing in.
  app.get('/help/edoc', (c) => sendHtml(c, edocHelpPage(pageContext(c))));

  // The sealed document (.edoc) to save, or a copy of its PDF to look at (.pdf), for its holder only.
  app.get('/certificates/:file', deps.requireStudent, async (c) => {
    const student = signedInStudent(c);
    const match = /^(.+)\.(edoc|pdf)$/.exec(c.req.param('file'));
    const parsed = match ? parseCertificateNumber(match[1]!) : undefined;
    // Anything but the holder's own released, valid certificate is "not found": a number's existence stays secret.
    if (!match || !parsed) return c.notFound();
    const viewingCopy = match[2] === 'pdf';
    const number = buildCertificateNumber(parsed);
    const certificate = await holderCertificate(deps.db, student.personId, number, clock());
    if (!certificate) return c.notFound();
    const actor = signedInActor(student);
    const document = await documentFor(deps.db, certificate.certificateId, { seal: deps.seal, actor, channel: 'student' });
    if (!document) return c.notFound();
    const pdf = viewingCopy ? viewingCopyOf(document) : undefined;
    if (viewingCopy && !pdf) return c.notFound();
    await audit(deps.db, {
      actor,
      channel: 'student',
      action: viewingCopy ? 'certificate.view-pdf' : 'certificate.download',
      subject: `certificate:${number}`,
      details: { provider: student.provider },
    });
    // Personal: only the holder's own browser keeps it, and only for the one signed in (a school computer is shared).
    // It asks again each time (a 304 while the version is the same): an upgraded version replaces it.
    const caching = { 'Cache-Control': 'private, no-cache', Vary: 'Cookie' };
    if (pdf) return sendViewingCopy(c, document, pdf, viewingCopyFileName(number, pageContext(c).lang), caching);
    return sendEdoc(c, document, number, caching);
  });

  return app;
}
