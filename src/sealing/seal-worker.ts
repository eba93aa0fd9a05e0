/**
 * The sealing pool's worker (pool.ts): seals one certificate per task. Each worker opens its own signer from the
 * spec it was started with and keeps it for its whole life (a PKCS#11 session, a parsed key).
 */
import { workerData } from 'node:worker_threads';
import type { CertificateFacts } from '../certificate/facts.js';
import { sealCertificate, type SealedDocument } from './seal.js';
import type { Signer } from './signer.js';
import { openSigner, type SignerSpec } from './signer-spec.js';
import { requestTimestamp } from './tsa-client.js';

export interface SealWorkerData {
  signer: SignerSpec;
  tsaUrl?: string;
  /** The portal's public address, printed on each document with its verification code. */
  publicUrl?: string;
}

export interface SealTask {
  facts: CertificateFacts;
  /** ISO time; the signing time of the document. */
  now?: string;
}

const setup = workerData as SealWorkerData;
let signer: Promise<Signer> | undefined;

export default async function seal(task: SealTask): Promise<SealedDocument> {
  signer ??= openSigner(setup.signer);
  const tsaUrl = setup.tsaUrl;
  return sealCertificate(task.facts, {
    signer: await signer,
    timestamp: tsaUrl ? (digest) => requestTimestamp(tsaUrl, digest) : undefined,
    now: task.now ? new Date(task.now) : undefined,
    publicUrl: setup.publicUrl,
  });
}
