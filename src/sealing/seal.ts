/** One certificate from facts to a sealed .edoc: PDF, data file, XAdES signature, ASiC-E container. */
import { createHash } from 'node:crypto';
import { CERTIFICATE_DATA_FILE, type CertificateFacts } from '../certificate/facts.js';
import { renderCertificatePdf } from '../certificate/pdf.js';
import { buildAsice } from './asic.js';
import type { LongTermData } from './long-term-data.js';
import type { Signer } from './signer.js';
import { signXades, type DataObject } from './xades.js';

export interface SealedDocument {
  edoc: Uint8Array;
  sha256: string;
  level: SealLevel;
  /**
   * Where the time went: building the PDF, the XML work, the signature, waiting for the time-stamp, gathering the
   * long-term validation data (mostly waiting for an OCSP response), zipping.
   */
  timings: { pdfMs: number; xmlMs: number; signMs: number; timestampMs: number; longTermMs: number; zipMs: number };
}

export type SealLevel = 'B-B' | 'B-T' | 'B-LT';

export interface SealDependencies {
  signer: Signer;
  /** A time-stamp authority: B-T. */
  timestamp?: (digestSha256: Uint8Array) => Promise<Uint8Array>;
  /** With `timestamp`, the validation data gathered after it: B-LT. */
  longTerm?: (timestampToken: Uint8Array) => Promise<LongTermData>;
  now?: Date;
}

export function pdfFileName(number: string): string {
  return `Sertifikāts ${number.replace('/', '-')}.pdf`;
}

export function certificateData(facts: CertificateFacts): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: 'lv-ce-certificate/1', issuer: 'Valsts izglītības attīstības aģentūra', ...facts }, null, 2));
}

export async function sealCertificate(facts: CertificateFacts, deps: SealDependencies): Promise<SealedDocument> {
  const now = deps.now ?? new Date();
  const t0 = performance.now();
  const objects: DataObject[] = [
    { name: pdfFileName(facts.number), mimeType: 'application/pdf', bytes: renderCertificatePdf(facts) },
    { name: CERTIFICATE_DATA_FILE, mimeType: 'application/json', bytes: certificateData(facts) },
  ];
  const t1 = performance.now();
  const signing = { signMs: 0, timestampMs: 0, longTermMs: 0 };
  const signatureXml = await signXades(objects, deps.signer, {
    signingTime: now,
    timestamp: deps.timestamp,
    longTerm: deps.longTerm,
    productionPlace: { city: 'Rīga', countryCode: 'LV' },
    timings: signing,
  });
  const t2 = performance.now();
  const edoc = buildAsice(objects, signatureXml, now);
  const t3 = performance.now();
  return {
    edoc,
    sha256: createHash('sha256').update(edoc).digest('hex'),
    level: deps.timestamp ? (deps.longTerm ? 'B-LT' : 'B-T') : 'B-B',
    timings: { pdfMs: t1 - t0, xmlMs: t2 - t1 - signing.signMs - signing.timestampMs - signing.longTermMs, ...signing, zipMs: t3 - t2 },
  };
}
