/**
 * A certificate authority made in the test, whose keys the test holds: it issues the agency's test seal, a
 * university's seal for countersignatures, and an OCSP responder it delegates (id-kp-OCSPSigning), so tests can
 * sign documents and answer for the seal's revocation status themselves. Also a responder the CA did not
 * delegate (no OCSP extended key usage), for a response that must not be believed.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../../src/sealing/x509.js';
import { derToPem } from '../../src/sealing/pem.js';
import { loadPemSigner } from '../../src/sealing/file-signer.js';
import type { Signer } from '../../src/sealing/signer.js';

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
type KeyPair = webcrypto.CryptoKeyPair;

export interface Issued {
  der: Uint8Array;
  keys: KeyPair;
}

export interface TestPki {
  root: Issued;
  /** The agency's seal (organisation identifier NTRLV-90000000000, non-repudiation). */
  seal: Issued;
  /** A university's seal, another organisation. */
  university: Issued;
  /** An OCSP responder the CA delegated. */
  responder: Issued;
  /** A certificate of the CA without the OCSP-signing purpose. */
  notAResponder: Issued;
  /** A signer of documents with the agency's seal (its chain: seal, root). */
  sealSigner(): Promise<Signer>;
  universitySigner(): Promise<Signer>;
}

const serial = () => '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex');
const keys = async () => (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as KeyPair;

async function signerOf(issued: Issued, root: Issued): Promise<Signer> {
  const keyPem = derToPem(new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey)), 'PRIVATE KEY');
  return loadPemSigner({ keyPem, certificateChainPem: derToPem(issued.der) + derToPem(root.der) });
}

export async function createTestPki(options: { validFrom?: Date } = {}): Promise<TestPki> {
  const notBefore = options.validFrom ?? new Date(Date.now() - 86_400_000);
  const notAfter = new Date(notBefore.getTime() + 5 * 365 * 86_400_000);
  const rootKeys = await keys();
  const rootCertificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Testa kvalificēto sertifikātu CA, 2.5.4.97=NTRLV-40003000000, O=Testa uzticamības pakalpojumi, C=LV',
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
  const root: Issued = { der: new Uint8Array(rootCertificate.rawData), keys: rootKeys };
  const issue = async (subject: string, extensions: x509.Extension[]): Promise<Issued> => {
    const subjectKeys = await keys();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: rootCertificate.subject,
      notBefore,
      notAfter,
      publicKey: subjectKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: EC,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
        await x509.SubjectKeyIdentifierExtension.create(subjectKeys.publicKey),
        ...extensions,
      ],
    });
    return { der: new Uint8Array(certificate.rawData), keys: subjectKeys };
  };
  const sealUsage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.digitalSignature, true);
  const seal = await issue('CN=Valsts izglītības attīstības aģentūra (TESTS), O=Valsts izglītības attīstības aģentūra, 2.5.4.97=NTRLV-90000000000, C=LV', [
    sealUsage,
  ]);
  const university = await issue('CN=Latvijas Universitāte (TESTS), O=Latvijas Universitāte, 2.5.4.97=NTRLV-90000000076, C=LV', [sealUsage]);
  const signingUsage = new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true);
  const responder = await issue('CN=Testa OCSP atbildētājs, O=Testa uzticamības pakalpojumi, C=LV', [
    signingUsage,
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning], false),
  ]);
  const notAResponder = await issue('CN=Testa cits sertifikāts, O=Testa uzticamības pakalpojumi, C=LV', [signingUsage]);
  return {
    root,
    seal,
    university,
    responder,
    notAResponder,
    sealSigner: () => signerOf(seal, root),
    universitySigner: () => signerOf(university, root),
  };
}
