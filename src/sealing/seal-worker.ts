/**
 * The sealing pool's worker (pool.ts): seals one certificate per task. Each worker opens its own signer from the
 * spec it was started with and keeps it for its whole life (a PKCS#11 session, a parsed key), and its own
 * long-term validation gathering, whose OCSP responses are shared by the documents it seals close together.
 * The named task `preserve` renews one stored document's evidence with an archive time-stamp (preservation.ts):
 * its parsing, hashing and canonicalisation are CPU work that stays off the portal's event loop.
 */
import { workerData } from 'node:worker_threads';
import type { CertificateFacts } from '../certificate/facts.js';
import type { PreservationPolicy } from '../domain/preservation.js';
import { LongTermValidation } from './long-term-data.js';
import { preserveDocument, PreservationError, type PreservationOutcome } from './preservation.js';
import { sealCertificate, type SealedDocument } from './seal.js';
import type { LongTermSettings } from './setup.js';
import type { Signer } from './signer.js';
import { openSigner, type SignerSpec } from './signer-spec.js';
import { requestTimestamp } from './tsa-client.js';

export interface SealWorkerData {
  signer: SignerSpec;
  tsaUrl?: string;
  /** With `tsaUrl`: documents are B-LT. */
  longTerm?: LongTermSettings;
  /** The portal's public address, printed on each document with its verification code. */
  publicUrl?: string;
}

export interface SealTask {
  facts: CertificateFacts;
  /** ISO time; the signing time of the document. */
  now?: string;
}

const setup = workerData as SealWorkerData;
let opened: Promise<{ signer: Signer; longTerm: LongTermValidation | undefined }> | undefined;

async function open() {
  const signer = await openSigner(setup.signer);
  const settings = setup.longTerm;
  const longTerm = settings && new LongTermValidation({ sealChain: signer.certificateChain, ...settings });
  return { signer, longTerm };
}

export default async function seal(task: SealTask): Promise<SealedDocument> {
  opened ??= open();
  const { signer, longTerm } = await opened;
  const tsaUrl = setup.tsaUrl;
  return sealCertificate(task.facts, {
    signer,
    timestamp: tsaUrl ? (digest) => requestTimestamp(tsaUrl, digest) : undefined,
    longTerm: tsaUrl && longTerm ? (token) => longTerm.gather(token) : undefined,
    now: task.now ? new Date(task.now) : undefined,
    publicUrl: setup.publicUrl,
  });
}

export interface PreserveTask {
  edoc: Uint8Array;
  /** ISO time the need is judged at. */
  at: string;
  policy: PreservationPolicy;
}

export async function preserve(task: PreserveTask): Promise<PreservationOutcome> {
  const tsaUrl = setup.tsaUrl;
  if (!tsaUrl) throw new PreservationError('no time-stamp authority is configured');
  return preserveDocument(task.edoc, new Date(task.at), task.policy, {
    timestamp: (digest) => requestTimestamp(tsaUrl, digest),
    timestampIssuers: setup.longTerm?.timestampIssuers ?? [],
    ocspUrl: setup.longTerm?.ocspUrls.timestamp,
  });
}
