/** The delegated OCSP responder certificate a development CA issues while its key is at hand. */
import { webcrypto } from 'node:crypto';
import { OID } from '../oids.js';
import { randomPositiveInteger } from '../random-integer.js';
import { x509 } from '../x509.js';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** id-pkix-ocsp-nocheck's value is NULL: a validator need not ask about the responder's own certificate. */
const NULL_VALUE = Uint8Array.of(0x05, 0x00);

/**
 * A responder key and a certificate for it from the CA (`issuerName`, `issuerKeys`): digital signature only, the
 * OCSP-signing extended key usage (RFC 6960 §4.2.2.2) and id-pkix-ocsp-nocheck (§4.2.2.2.1). It lives as long as
 * the CA's other certificates: the CA key is gone once the development PKI is made, so it could not be renewed.
 */
export async function issueOcspSigner(options: {
  subject: string;
  issuerName: string;
  issuerKeys: CryptoKeyPair;
  notBefore: Date;
  notAfter: Date;
}): Promise<{ certificate: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: Buffer.from(randomPositiveInteger(16)).toString('hex'),
    subject: options.subject,
    issuer: options.issuerName,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: keys.publicKey,
    signingKey: options.issuerKeys.privateKey,
    signingAlgorithm: EC,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([OID.kpOcspSigning], false),
      new x509.Extension(OID.ocspNoCheck, false, NULL_VALUE),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(options.issuerKeys.publicKey),
    ],
  });
  return { certificate, keys };
}
