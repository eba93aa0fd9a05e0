/**
 * Everything sealing and verification need, from configuration: the seal key (as a spec for the workers), the
 * time-stamp authority and the trust anchors. In development the keys are made on the first start and the
 * development time-stamp authority runs inside the process, so the demo produces B-T documents out of the box.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import type { Config } from '../config.js';
import { ensureDevelopmentPki, TEST_ORGANIZATION_IDENTIFIER } from './dev/pki.js';
import { createDevelopmentTsa } from './dev/tsa.js';
import { startDevelopmentTsaServer } from './dev/tsa-server.js';
import { parsePemCertificates } from './pem.js';
import type { SignerSpec } from './signer-spec.js';
import type { TrustAnchors } from './verify.js';

export interface SealingSetup {
  signer: SignerSpec;
  tsaUrl?: string;
  trust: TrustAnchors;
  close(): Promise<void>;
}

export class SealingSetupError extends Error {}

export async function prepareSealing(config: Pick<Config, 'environment' | 'dataDir' | 'sealing'>): Promise<SealingSetup> {
  const { sealing } = config;
  if (sealing.signer) {
    return {
      signer: sealing.signer,
      tsaUrl: sealing.tsaUrl,
      trust: {
        sealOrganizationId: sealing.organizationId,
        sealRoots: sealing.sealRootsFile ? parsePemCertificates(readFileSync(sealing.sealRootsFile, 'utf8')) : [],
        timestampRoots: sealing.tsaRootsFile ? parsePemCertificates(readFileSync(sealing.tsaRootsFile, 'utf8')) : [],
      },
      close: async () => {},
    };
  }
  if (config.environment === 'production') throw new SealingSetupError('no seal key is configured');

  const pki = await ensureDevelopmentPki(join(config.dataDir, 'pki'));
  let tsaUrl = sealing.tsaUrl;
  let close = async () => {};
  if (!tsaUrl) {
    const keyDer = Buffer.from(readFileSync(pki.tsaKeyFile, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', keyDer, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const tsa = createDevelopmentTsa({
      keyPair: { privateKey, publicKey: privateKey } as unknown as Parameters<typeof createDevelopmentTsa>[0]['keyPair'],
      certificateChainDer: parsePemCertificates(readFileSync(pki.tsaChainFile, 'utf8')),
    });
    const server = await startDevelopmentTsaServer(tsa, { host: '127.0.0.1', port: 0 });
    tsaUrl = server.url;
    close = () => server.close();
  }
  return {
    signer: { kind: 'pem', keyFile: pki.sealKeyFile, chainFile: pki.sealChainFile },
    tsaUrl,
    trust: {
      sealOrganizationId: sealing.organizationId ?? TEST_ORGANIZATION_IDENTIFIER,
      sealRoots: parsePemCertificates(readFileSync(pki.sealRootFile, 'utf8')),
      timestampRoots: parsePemCertificates(readFileSync(pki.tsaRootFile, 'utf8')),
    },
    close,
  };
}
