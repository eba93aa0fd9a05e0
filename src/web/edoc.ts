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
import { openAsice } from '../sealing/asic.js';

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

/**
 * The certificate's PDF as sealed inside the document, for phones that cannot open an .edoc: a copy to look at,
 * not the document (it carries no seal of its own). Undefined when the container holds no such PDF.
 */
export function viewingCopyOf(document: SealedDocument): Uint8Array | undefined {
  // The register's documents hold exactly one PDF (beside the data file).
  return [...openAsice(document.edoc).files].find(([name]) => name.toLowerCase().endsWith('.pdf'))?.[1];
}

/** "2026/301949081206-KUMAL" → "sertifikats-2026-301949081206-KUMAL-kopija-apskatei.pdf" (English: "…-copy-for-viewing.pdf"). */
export function viewingCopyFileName(number: string, lang: 'lv' | 'en'): string {
  const base = number.replace('/', '-');
  return lang === 'lv' ? `sertifikats-${base}-kopija-apskatei.pdf` : `certificate-${base}-copy-for-viewing.pdf`;
}

/** Sends the viewing copy to be shown in the browser, under a name that says what it is. */
export function sendViewingCopy(c: Context, document: SealedDocument, pdf: Uint8Array, fileName: string, caching: Record<string, string> = {}): Response {
  const etag = `"${document.sha256}-pdf"`;
  const headers = { ETag: etag, ...caching };
  if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(pdf) as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'Content-Type': 'application/pdf',
    'Content-Disposition': `inline; filename="${fileName}"`,
    'X-Content-Type-Options': 'nosniff',
  });
}
