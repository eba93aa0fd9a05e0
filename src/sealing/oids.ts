/** Object identifiers of the CMS, RFC 3161, RFC 6960 and certificate structures we read and write, and the digests they may name. */

export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  extKeyUsage: '2.5.29.37',
  kpTimeStamping: '1.3.6.1.5.5.7.3.8',
  kpOcspSigning: '1.3.6.1.5.5.7.3.9',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  qcStatements: '1.3.6.1.5.5.7.1.3',
} as const;

/** Node's digest names of the signature algorithms an OCSP response may be signed with (RSASSA-PSS is not taken). */
export const SIGNATURE_DIGEST_BY_OID: ReadonlyMap<string, string> = new Map([
  ['1.2.840.10045.4.3.2', 'sha256'],
  ['1.2.840.10045.4.3.3', 'sha384'],
  ['1.2.840.10045.4.3.4', 'sha512'],
  ['1.2.840.113549.1.1.11', 'sha256'],
  ['1.2.840.113549.1.1.12', 'sha384'],
  ['1.2.840.113549.1.1.13', 'sha512'],
]);

/** WebCrypto names of the digest algorithms a message imprint or an ESS certificate id may use. */
export const DIGEST_BY_OID: ReadonlyMap<string, { name: string; length: number }> = new Map([
  [OID.sha256, { name: 'SHA-256', length: 32 }],
  [OID.sha384, { name: 'SHA-384', length: 48 }],
  [OID.sha512, { name: 'SHA-512', length: 64 }],
]);
