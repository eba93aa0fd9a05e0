/**
 * The verification pool's worker (verify-pool.ts): checks one uploaded .edoc per task (container, XML, signature,
 * time-stamp, chain). Only the bytes go in and the report comes out; the register look-up stays with the caller.
 */
import { workerData } from 'node:worker_threads';
import { verifyEdoc, type TrustAnchors, type VerificationReport } from './verify.js';

export interface VerifyWorkerData {
  trust: TrustAnchors;
  /** VERIFY_ONLINE_REVOCATION: also ask the seal certificate's OCSP responder. */
  onlineRevocation?: boolean;
}

export interface VerifyTask {
  bytes: Uint8Array;
}

const setup = workerData as VerifyWorkerData;

export default async function verify(task: VerifyTask): Promise<VerificationReport> {
  return verifyEdoc(task.bytes, setup.trust, { onlineRevocation: setup.onlineRevocation ?? false });
}
