/**
 * Where the seal key lives, as plain data that can cross into worker threads; each worker opens its own
 * signer from it (keys and PKCS#11 sessions are not shared between threads).
 */
import { readFileSync } from 'node:fs';
import { loadPemSigner, loadPkcs12Signer } from './file-signer.js';
import { openPkcs11Signer } from './pkcs11-signer.js';
import type { Signer } from './signer.js';

export type SignerSpec =
  | { kind: 'pem'; keyFile: string; chainFile: string }
  | { kind: 'pkcs12'; file: string; password: string }
  | { kind: 'pkcs11'; library: string; tokenLabel?: string; pin: string; keyLabel?: string; chainFile?: string };

export async function openSigner(spec: SignerSpec): Promise<Signer> {
  switch (spec.kind) {
    case 'pem':
      return loadPemSigner({ keyPem: readFileSync(spec.keyFile, 'utf8'), certificateChainPem: readFileSync(spec.chainFile, 'utf8') });
    case 'pkcs12':
      return loadPkcs12Signer(readFileSync(spec.file), spec.password);
    case 'pkcs11':
      return openPkcs11Signer({
        library: spec.library,
        tokenLabel: spec.tokenLabel,
        pin: spec.pin,
        keyLabel: spec.keyLabel,
        certificateChainPem: spec.chainFile ? readFileSync(spec.chainFile, 'utf8') : undefined,
      });
  }
}
