/**
 * Keys for development only, generated at the first start into the data folder (never committed): a test CA,
 * the agency's test seal certificate issued by it, the identity of the development time-stamp authority, and a
 * delegated OCSP responder certificate from each of the two CAs. Production takes all of these from configuration.
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { writeFileAtomically } from '../../files.js';
import { join } from 'node:path';
import { encodeDer, encodeOid, Tag } from '../der.js';
import { OID } from '../oids.js';
import { derToPem } from '../pem.js';
import { x509 } from '../x509.js';
import { issueOcspSigner } from './ocsp-signer.js';
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
  /** The delegated OCSP responders of the seal CA and of the TSA root: key, and certificate. */
  sealOcspKeyFile: string;
  sealOcspCertFile: string;
  tsaOcspKeyFile: string;
  tsaOcspCertFile: string;
}

/** ETSI EN 319 412-5 statements of an EU qualified e-seal certificate whose key is in a QSCD. */
const QC = { compliance: '0.4.0.1862.1.1', sscd: '0.4.0.1862.1.4', type: '0.4.0.1862.1.6', typeEseal: '0.4.0.1862.1.6.2' } as const;
/** ETSI EN 319 411-2 policy QCP-l-qscd: qualified certificate for a legal person, key in a QSCD. */
export const QCP_L_QSCD = '0.4.0.194112.1.3';

/**
 * QCStatements ::= SEQUENCE OF QCStatement { statementId OID, statementInfo OPTIONAL }: QcCompliance,
 * QcType { id-etsi-qct-eseal } and QcSSCD, as a real qualified e-seal certificate carries them.
 */
function qcStatementsExtension(): x509.Extension {
  const statement = (id: string, ...info: Uint8Array[]) => encodeDer(Tag.sequence, encodeOid(id), ...info);
  const value = encodeDer(Tag.sequence, statement(QC.compliance), statement(QC.type, encodeDer(Tag.sequence, encodeOid(QC.typeEseal))), statement(QC.sscd));
  return new x509.Extension(OID.qcStatements, false, value);
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
    sealOcspKeyFile: join(dir, 'ocsp-seal.key.pem'),
    sealOcspCertFile: join(dir, 'ocsp-seal.pem'),
    tsaOcspKeyFile: join(dir, 'ocsp-tsa.key.pem'),
    tsaOcspCertFile: join(dir, 'ocsp-tsa.pem'),
  };
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  return derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

/**
 * Creates a test CA, a seal certificate like a qualified seal's (organisation identifier, non-repudiation, QC
 * statements, the QCP-l-qscd policy and, given `ocspUrl`, that OCSP address) and the CA's delegated OCSP
 * responder, issued while the CA key is at hand (it is not kept).
 */
export async function generateTestSeal(options: { validFrom?: Date; years?: number; ocspUrl?: string } = {}) {
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
      qcStatementsExtension(),
      new x509.CertificatePolicyExtension([QCP_L_QSCD]),
      ...(options.ocspUrl ? [new x509.AuthorityInfoAccessExtension({ ocsp: options.ocspUrl })] : []),
    ],
  });
  const ocspSigner = await issueOcspSigner({
    subject: `CN=Eksāmenu portāla testa OCSP, O=${SEAL_ORGANIZATION} (TESTS), C=LV`,
    issuerName: root.subject,
    issuerKeys: rootKeys,
    notBefore,
    notAfter,
  });
  return { root, seal, sealKeys, ocspSigner };
}

/**
 * An address for the development OCSP responder, written into the certificates it answers for: a port free now
 * on the loopback interface. The portal serves the responder there when it can, elsewhere otherwise (and then
 * tells its sealing workers where), so the address only matters to validators run beside the portal.
 */
async function freeLoopbackUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/`;
}

/**
 * Makes sure the development keys exist in `dir`, creating them on the first call. Keys made before the OCSP
 * responder existed are replaced (their CA keys are gone, so no responder could be certified for them); the
 * earlier roots stay trusted, so documents sealed with them still verify.
 */
export async function ensureDevelopmentPki(dir: string): Promise<DevelopmentPki> {
  const paths = files(dir);
  const keyFiles = [paths.sealKeyFile, paths.tsaKeyFile, paths.sealOcspKeyFile, paths.tsaOcspKeyFile];
  if (keyFiles.every((file) => existsSync(file))) return paths;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const earlier = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const ocspUrl = await freeLoopbackUrl();

  const { root, seal, sealKeys, ocspSigner } = await generateTestSeal({ ocspUrl });
  writeFileAtomically(paths.sealRootFile, root.toString('pem') + '\n' + earlier(paths.sealRootFile));
  writeFileAtomically(paths.sealChainFile, seal.toString('pem') + '\n' + root.toString('pem') + '\n');
  writeFileAtomically(paths.sealKeyFile, await pkcs8Pem(sealKeys.privateKey), 0o600);
  writeFileAtomically(paths.sealOcspCertFile, ocspSigner.certificate.toString('pem') + '\n');
  writeFileAtomically(paths.sealOcspKeyFile, await pkcs8Pem(ocspSigner.keys.privateKey), 0o600);

  const tsa = await generateDevelopmentTsaIdentity({ ocspUrl });
  writeFileAtomically(paths.tsaRootFile, derToPem(tsa.rootDer) + earlier(paths.tsaRootFile));
  writeFileAtomically(paths.tsaChainFile, tsa.certificateChainDer.map((der) => derToPem(der)).join(''));
  writeFileAtomically(paths.tsaKeyFile, await pkcs8Pem(tsa.keyPair.privateKey), 0o600);
  writeFileAtomically(paths.tsaOcspCertFile, derToPem(tsa.ocspSigner.certificateDer));
  writeFileAtomically(paths.tsaOcspKeyFile, await pkcs8Pem(tsa.ocspSigner.keyPair.privateKey), 0o600);
  return paths;
}
