/**
 * A sealed certificate as a download, the same for its holder (/certificates/…) and for the e-service's links:
 * sealed on demand when it has no document yet, then its newest version sent as a file with its ETag, or as 304
 * Not Modified to a browser that already holds this very version (a version never changes, but a later one may
 * be added, so browsers ask again rather than keep a copy unasked).
 */
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { storedDocument } from '../data/certificate-documents.js';
import { sealOne, type Sealer } from '../data/sealing.js';

export interface SealedDocument {
  edoc: Uint8Array;
  sha256: string;
}

export interface SealOnDemand {
  /** Without a sealer a certificate that has no document yet has none to send. */
  seal?: Sealer;
  /** Who asked, for the audit log of the sealing. */
  actor: string;
  channel: string;
}

/** The certificate's sealed document, sealing it first if it has none yet. A full sealing pool throws PoolBusyError. */
export async function documentFor(db: Kysely<Database>, certificateId: number, sealing: SealOnDemand): Promise<SealedDocument | undefined> {
  const stored = await storedDocument(db, certificateId);
  if (stored || !sealing.seal) return stored;
  await sealOne(db, certificateId, sealing.seal, { actor: sealing.actor, channel: sealing.channel });
  return storedDocument(db, certificateId);
}

/** "2026/301949081206-KUMAL" → "sertifikats-2026-301949081206-KUMAL.edoc". */
export function edocFileName(number: string): string {
  return `sertifikats-${number.replace('/', '-')}.edoc`;
}

/**
 * Sends the document of certificate `number` as a file to save. `caching` adds the headers of the way it is
 * reached (who may keep a copy); the ETag is always the document's SHA-256.
 */
export function sendEdoc(c: Context, document: SealedDocument, number: string, caching: Record<string, string> = {}): Response {
  const etag = `"${document.sha256}"`;
  const headers = { ETag: etag, ...caching };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(document.edoc) as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'Content-Type': 'application/vnd.etsi.asic-e+zip',
    'Content-Disposition': `attachment; filename="${edocFileName(number)}"`,
    'X-Content-Type-Options': 'nosniff',
  });
}
