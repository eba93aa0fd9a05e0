/**
 * Everything sealing and verification need, from configuration: the seal key (as a spec for the workers), the
 * time-stamp authority, where OCSP responses come from and the trust anchors. In development the keys are made on
 * the first start, and the development time-stamp authority and OCSP responder run inside the process, so the demo
 * produces B-LT documents out of the box.
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { DevelopmentServer } from './dev/der-post-server.js';
import { createDevelopmentOcspResponder, type DevelopmentOcspResponder } from './dev/ocsp-responder.js';
import { startDevelopmentOcspServer } from './dev/ocsp-server.js';
import { ensureDevelopmentPki, TEST_ORGANIZATION_IDENTIFIER, type DevelopmentPki } from './dev/pki.js';
import { createDevelopmentTsa } from './dev/tsa.js';
import { startDevelopmentTsaServer } from './dev/tsa-server.js';
import { ocspUrlOf } from './ocsp-client.js';
import { parsePemCertificates } from './pem.js';
import type { SignerSpec } from './signer-spec.js';
import type { TrustAnchors } from './verify.js';

/** What the sealing workers need to gather B-LT validation data; plain data, to cross into worker threads. */
export interface LongTermSettings {
  /** Responders asked instead of the addresses in the certificates' AuthorityInfoAccess. */
  ocspUrls: { seal?: string; timestamp?: string };
  /** DER certificates that may issue the TSA's certificate (its roots and intermediates). */
  timestampIssuers: Uint8Array[];
}

export interface SealingSetup {
  signer: SignerSpec;
  tsaUrl?: string;
  /** Present with a time-stamp authority: documents are then B-LT. */
  longTerm?: LongTermSettings;
  trust: TrustAnchors;
  /** Development only: the OCSP responder running in this process (tests revoke serials with it). */
  developmentOcsp?: DevelopmentOcspResponder;
  close(): Promise<void>;
}

export class SealingSetupError extends Error {}

export async function prepareSealing(config: Pick<Config, 'environment' | 'dataDir' | 'sealing'>): Promise<SealingSetup> {
  const { sealing } = config;
  if (sealing.signer) {
    const timestampRoots = sealing.tsaRootsFile ? parsePemCertificates(readFileSync(sealing.tsaRootsFile, 'utf8')) : [];
    return {
      signer: sealing.signer,
      tsaUrl: sealing.tsaUrl,
      ...(sealing.tsaUrl ? { longTerm: { ocspUrls: { seal: sealing.ocspUrl }, timestampIssuers: timestampRoots } } : {}),
      trust: {
        sealOrganizationId: sealing.organizationId,
        sealRoots: sealing.sealRootsFile ? parsePemCertificates(readFileSync(sealing.sealRootsFile, 'utf8')) : [],
        timestampRoots,
      },
      close: async () => {},
    };
  }
  if (config.environment === 'production') throw new SealingSetupError('no seal key is configured');

  const pki = await ensureDevelopmentPki(join(config.dataDir, 'pki'));
  const timestampRoots = parsePemCertificates(readFileSync(pki.tsaRootFile, 'utf8'));
  const servers: DevelopmentServer[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => server.close()));
  };
  try {
    let tsaUrl = sealing.tsaUrl;
    if (!tsaUrl) {
      const server = await startDevelopmentTsaServer(await developmentTsa(pki), { host: '127.0.0.1', port: 0 });
      servers.push(server);
      tsaUrl = server.url;
    }
    const ocsp = await startDevelopmentOcsp(pki);
    servers.push(ocsp.server);
    return {
      signer: { kind: 'pem', keyFile: pki.sealKeyFile, chainFile: pki.sealChainFile },
      tsaUrl,
      longTerm: {
        // The development responder answers for the development TSA only; another TSA's certificate names its own.
        ocspUrls: { seal: sealing.ocspUrl ?? ocsp.server.url, ...(sealing.tsaUrl ? {} : { timestamp: ocsp.server.url }) },
        timestampIssuers: sealing.tsaUrl && sealing.tsaRootsFile ? parsePemCertificates(readFileSync(sealing.tsaRootsFile, 'utf8')) : timestampRoots,
      },
      trust: {
        sealOrganizationId: sealing.organizationId ?? TEST_ORGANIZATION_IDENTIFIER,
        sealRoots: parsePemCertificates(readFileSync(pki.sealRootFile, 'utf8')),
        timestampRoots,
      },
      developmentOcsp: ocsp.responder,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function developmentTsa(pki: DevelopmentPki) {
  const keyDer = Buffer.from(readFileSync(pki.tsaKeyFile, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', keyDer, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return createDevelopmentTsa({
    keyPair: { privateKey, publicKey: privateKey } as unknown as Parameters<typeof createDevelopmentTsa>[0]['keyPair'],
    certificateChainDer: parsePemCertificates(readFileSync(pki.tsaChainFile, 'utf8')),
  });
}

/**
 * The development OCSP responder, answering for the seal CA and the TSA root, served at the address the
 * certificates name when that port is free, and on any free port otherwise (the workers are told which).
 */
async function startDevelopmentOcsp(pki: DevelopmentPki): Promise<{ responder: DevelopmentOcspResponder; server: DevelopmentServer }> {
  const pem = (file: string) => parsePemCertificates(readFileSync(file, 'utf8'));
  const [seal, sealRoot] = pem(pki.sealChainFile);
  const [tsa] = pem(pki.tsaChainFile);
  const [tsaRoot] = pem(pki.tsaRootFile);
  const [sealResponder] = pem(pki.sealOcspCertFile);
  const [tsaResponder] = pem(pki.tsaOcspCertFile);
  const responder = createDevelopmentOcspResponder({
    authorities: [
      {
        caCertificate: sealRoot!,
        responderCertificate: sealResponder!,
        responderKey: createPrivateKey(readFileSync(pki.sealOcspKeyFile, 'utf8')),
        issued: [seal!, sealResponder!],
      },
      {
        caCertificate: tsaRoot!,
        responderCertificate: tsaResponder!,
        responderKey: createPrivateKey(readFileSync(pki.tsaOcspKeyFile, 'utf8')),
        issued: [tsa!, tsaResponder!],
      },
    ],
  });
  const named = ocspUrlOf(seal!);
  const port = named ? Number(new URL(named).port) : 0;
  let server: DevelopmentServer;
  try {
    server = await startDevelopmentOcspServer(responder, { host: '127.0.0.1', port });
  } catch {
    server = await startDevelopmentOcspServer(responder, { host: '127.0.0.1', port: 0 });
  }
  return { responder, server };
}
