/** The student pages: results of exams taken, and certificate downloads for their holder only. */
import { Hono, type MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { resultsPage } from '../../../views/results.js';
import { audit } from '../../data/audit.js';
import { sealOne, storedDocument, type Sealer } from '../../data/sealing.js';
import { holderCertificate, studentResults } from '../../data/student-results.js';
import { buildCertificateNumber, parseCertificateNumber } from '../../domain/certificate-number.js';
import type { AppEnv } from '../app.js';
import { pageContext } from '../app.js';
import type { Assets } from '../assets.js';
import { sendHtml } from '../respond.js';

export interface StudentDependencies {
  db: Kysely<Database>;
  assets: Assets;
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
    const session = c.get('session')!;
    const results = await studentResults(deps.db, session.personId!, clock());
    return sendHtml(c, resultsPage(pageContext(c, deps.assets), results));
  });

  app.get('/certificates/:file', deps.requireStudent, async (c) => {
    const session = c.get('session')!;
    const match = /^(.+)\.edoc$/.exec(c.req.param('file'));
    const parsed = match ? parseCertificateNumber(match[1]!) : undefined;
    // Anything but the holder's own released, valid certificate is "not found": a number's existence stays secret.
    if (!parsed) return c.notFound();
    const number = buildCertificateNumber(parsed);
    const certificate = await holderCertificate(deps.db, session.personId!, number, clock());
    if (!certificate) return c.notFound();

    let document = await storedDocument(deps.db, certificate.certificateId);
    if (!document && deps.seal) {
      await sealOne(deps.db, certificate.certificateId, deps.seal, { actor: `person:${session.personId}`, channel: 'student' });
      document = await storedDocument(deps.db, certificate.certificateId);
    }
    if (!document) return c.notFound();

    const etag = `"${document.sha256}"`;
    await audit(deps.db, {
      actor: `person:${session.personId}`,
      channel: 'student',
      action: 'certificate.download',
      subject: `certificate:${number}`,
      details: { provider: session.provider },
    });
    const headers = {
      ETag: etag,
      // A sealed document never changes; it is personal, so only the holder's own browser keeps it, and only
      // for the one signed in (a school computer is shared).
      'Cache-Control': 'private, max-age=31536000, immutable',
      Vary: 'Cookie',
    };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    const fileName = `sertifikats-${number.replace('/', '-')}.edoc`;
    return c.body(new Uint8Array(document.edoc) as Uint8Array<ArrayBuffer>, 200, {
      ...headers,
      'Content-Type': 'application/vnd.etsi.asic-e+zip',
      'Content-Disposition': `attachment; filename="${fileName}"`,
      'X-Content-Type-Options': 'nosniff',
    });
  });

  return app;
}
