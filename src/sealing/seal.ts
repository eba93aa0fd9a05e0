/** One certificate from facts to a sealed .edoc: PDF, data file, XAdES signature, ASiC-E container. */
import { createHash } from 'node:crypto';
import { certificateData } from '../certificate/data.js';
import { CERTIFICATE_DATA_FILE, type CertificateFacts, type CertificateVerification } from '../certificate/facts.js';
import { renderCertificatePdf } from '../certificate/pdf.js';
import { newVerificationCode, verificationAddress, verificationCodeHash, verificationPage } from '../certificate/verification-code.js';
import { buildAsice } from './asic.js';
import type { LongTermData } from './long-term-data.js';
import type { Signer } from './signer.js';
import { signXades, type DataObject } from './xades.js';

export interface SealedDocument {
  edoc: Uint8Array;
  sha256: string;
  level: SealLevel;
  /** What the register keeps of the verification code printed on the document (none without `publicUrl`). */
  verificationCodeHash?: string;
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
  /**
   * The portal's public address. With it the document gets a new verification code, and prints it with the
   * verification address and its QR code; the clear code exists only in the document.
   */
  publicUrl?: string;
}

export function pdfFileName(number: string): string {
  return `Sertifikāts ${number.replace('/', '-')}.pdf`;
}

export async function sealCertificate(facts: CertificateFacts, deps: SealDependencies): Promise<SealedDocument> {
  const now = deps.now ?? new Date();
  const t0 = performance.now();
  const verification = deps.publicUrl ? newVerification(facts.number, deps.publicUrl) : undefined;
  const objects: DataObject[] = [
    { name: pdfFileName(facts.number), mimeType: 'application/pdf', bytes: renderCertificatePdf(facts, verification) },
    { name: CERTIFICATE_DATA_FILE, mimeType: 'application/json', bytes: certificateData(facts, verification) },
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
    ...(verification ? { verificationCodeHash: verificationCodeHash(facts.number, verification.code) } : {}),
    timings: { pdfMs: t1 - t0, xmlMs: t2 - t1 - signing.signMs - signing.timestampMs - signing.longTermMs, ...signing, zipMs: t3 - t2 },
  };
}

function newVerification(number: string, publicUrl: string): CertificateVerification {
  const code = newVerificationCode();
  return { code, address: verificationAddress(publicUrl, number, code), page: verificationPage(publicUrl) };
}
