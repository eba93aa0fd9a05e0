/**
 * The sealing pool's worker (pool.ts): seals one certificate per task. Each worker opens its own signer from the
 * spec it was started with and keeps it for its whole life (a PKCS#11 session, a parsed key), and its own
 * long-term validation gathering, whose OCSP responses are shared by the documents it seals close together.
 */
import { workerData } from 'node:worker_threads';
import type { CertificateFacts } from '../certificate/facts.js';
import { LongTermValidation } from './long-term-data.js';
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
