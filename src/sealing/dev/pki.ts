/**
 * Keys for development only, generated at the first start into the data folder (never committed): a test CA,
 * the agency's test seal certificate issued by it, and the identity of the development time-stamp authority.
 * Production takes all of these from configuration.
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFileAtomically } from '../../files.js';
import { join } from 'node:path';
import { derToPem } from '../pem.js';
import { x509 } from '../x509.js';
import { generateDevelopmentTsaIdentity } from './tsa-identity.js';

export const SEAL_ORGANIZATION = 'Valsts izglītības attīstības aģentūra';
/** organizationIdentifier (2.5.4.97) of the test seal; a real seal carries the agency's own NTRLV- number. */
export const TEST_ORGANIZATION_IDENTIFIER = 'NTRLV-90000000000';

export interface DevelopmentPki {
  dir: string;
  sealKeyFile: string;
  sealChainFile: string;
  sealRootFile: string;
  tsaKeyFile: string;
  tsaChainFile: string;
  tsaRootFile: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function files(dir: string): DevelopmentPki {
  return {
    dir,
    sealKeyFile: join(dir, 'seal.key.pem'),
    sealChainFile: join(dir, 'seal.chain.pem'),
    sealRootFile: join(dir, 'seal-root.pem'),
    tsaKeyFile: join(dir, 'tsa.key.pem'),
    tsaChainFile: join(dir, 'tsa.chain.pem'),
    tsaRootFile: join(dir, 'tsa-root.pem'),
  };
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

/** Creates a test CA and a seal certificate like a qualified seal's: organisation identifier, non-repudiation. */
export async function generateTestSeal(options: { validFrom?: Date; years?: number } = {}) {
  const notBefore = options.validFrom ?? new Date(Date.now() - 86400000);
  const notAfter = new Date(notBefore.getTime() + (options.years ?? 10) * 365 * 86400000);
  const rootKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    name: `CN=Eksāmenu portāla testa CA, O=${SEAL_ORGANIZATION} (TESTS), C=LV`,
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const sealKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const seal = await x509.X509CertificateGenerator.create({
    serialNumber: '02' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    subject: `CN=${SEAL_ORGANIZATION} (TESTS), O=${SEAL_ORGANIZATION}, 2.5.4.97=${TEST_ORGANIZATION_IDENTIFIER}, L=Rīga, C=LV`,
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: sealKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(sealKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  return { root, seal, sealKeys };
}

/** Makes sure the development keys exist in `dir`, creating them on the first call. */
export async function ensureDevelopmentPki(dir: string): Promise<DevelopmentPki> {
  const paths = files(dir);
  if (existsSync(paths.sealKeyFile) && existsSync(paths.tsaKeyFile)) return paths;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { root, seal, sealKeys } = await generateTestSeal();
  writeFileAtomically(paths.sealRootFile, root.toString('pem') + '\n');
  writeFileAtomically(paths.sealChainFile, seal.toString('pem') + '\n' + root.toString('pem') + '\n');
  writeFileAtomically(paths.sealKeyFile, await pkcs8Pem(sealKeys.privateKey), 0o600);

  const tsa = await generateDevelopmentTsaIdentity();
  writeFileAtomically(paths.tsaRootFile, derToPem(tsa.rootDer));
  writeFileAtomically(paths.tsaChainFile, tsa.certificateChainDer.map((der) => derToPem(der)).join(''));
  writeFileAtomically(paths.tsaKeyFile, await pkcs8Pem(tsa.keyPair.privateKey), 0o600);
  return paths;
}
