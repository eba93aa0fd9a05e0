/**
 * A fresh identity for the development time-stamp authority: its root CA, its time-stamping certificate and the
 * root's delegated OCSP responder.
 */
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API; keep it first
import * as x509 from '@peculiar/x509';
import type { webcrypto } from 'node:crypto';
import { randomPositiveInteger } from '../random-integer.js';
import { issueOcspSigner } from './ocsp-signer.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

/**
 * A fresh identity: a self-signed root CA and a TSA certificate issued by it (both ECDSA P-256, 10 years unless
 * `years` says otherwise, from `validFrom`),
 * the TSA certificate with the critical timeStamping extended key usage and, given `ocspUrl`, that OCSP address;
 * and the root's delegated OCSP responder, issued while the root key is at hand (it is not kept). The TSA
 * certificate is not a trust anchor, so a B-LT signature carries its revocation data: hence the responder.
 * For development and tests only.
 */
export async function generateDevelopmentTsaIdentity(options: { ocspUrl?: string; validFrom?: Date; years?: number } = {}): Promise<{
  keyPair: CryptoKeyPair;
  certificateChainDer: Uint8Array[];
  rootDer: Uint8Array;
  ocspSigner: { keyPair: CryptoKeyPair; certificateDer: Uint8Array };
}> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const crypto = globalThis.crypto;
  const rootKeys = (await crypto.subtle.generateKey(algorithm, false, ['sign', 'verify'])) as CryptoKeyPair;
  // Extractable, so that development can keep its TSA across restarts (see src/sealing/dev/pki.ts).
  const tsaKeys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  // An hour back by default, for clocks a little behind; a simulation of later years gives its own moment.
  const notBefore = options.validFrom ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (options.years ?? 10));
  const rootName = [{ CN: ['Eksāmenu portāla testa TSA sakne'] }];

  const root = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialHex(),
      name: rootName,
      notBefore,
      notAfter,
      keys: rootKeys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
      ],
    },
    crypto,
  );
  const tsa = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: [{ CN: ['Eksāmenu portāla testa laika zīmogs'] }],
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: tsaKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
        await x509.SubjectKeyIdentifierExtension.create(tsaKeys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
        ...(options.ocspUrl ? [new x509.AuthorityInfoAccessExtension({ ocsp: options.ocspUrl })] : []),
      ],
    },
    crypto,
  );
  const ocspSigner = await issueOcspSigner({
    subject: 'CN=Eksāmenu portāla testa laika zīmoga OCSP',
    issuerName: root.subject,
    issuerKeys: rootKeys,
    notBefore,
    notAfter,
  });
  return {
    keyPair: tsaKeys,
    certificateChainDer: [new Uint8Array(tsa.rawData)],
    rootDer: new Uint8Array(root.rawData),
    ocspSigner: { keyPair: ocspSigner.keys, certificateDer: new Uint8Array(ocspSigner.certificate.rawData) },
  };
}

function randomSerialHex(): string {
  return Buffer.from(randomPositiveInteger(16)).toString('hex');
}
