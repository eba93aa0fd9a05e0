/**
 * OCSP requests (RFC 6960 §4.1): which certificate is asked about (CertID) and the request itself, with a nonce
 * (RFC 8954). CertIDs hash with SHA-1 by default, as the lightweight profile every responder serves requires
 * (RFC 5019 §2.1.1); the hash only names the issuer, the answer's own signature is what is trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readCertificateFields } from './certificate-fields.js';
import { algorithmIdentifier, encodeDer, encodeOid, Tag } from './der.js';
import { OID } from './oids.js';

/** The digests a CertID may be made with, by OID, with Node's names. */
export const CERT_ID_DIGESTS: ReadonlyMap<string, string> = new Map([
  [OID.sha1, 'sha1'],
  [OID.sha256, 'sha256'],
]);

/**
 * CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 * issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }: the hashes of the issuer's subject name and
 * of its public key's bits, and the certificate's serial number.
 */
export function encodeCertId(certificateDer: Uint8Array, issuerDer: Uint8Array, hashOid: string = OID.sha1): Uint8Array {
  const digest = CERT_ID_DIGESTS.get(hashOid);
  if (!digest) throw new TypeError(`a CertID cannot be made with ${hashOid}`);
  const issuer = readCertificateFields(issuerDer);
  const hash = (data: Uint8Array) => createHash(digest).update(data).digest();
  // SHA-1 with NULL parameters, as OpenSSL and most clients write it; SHA-2 without (RFC 5754).
  const algorithm = hashOid === OID.sha1 ? encodeDer(Tag.sequence, encodeOid(OID.sha1), Uint8Array.of(0x05, 0x00)) : algorithmIdentifier(hashOid);
  return encodeDer(
    Tag.sequence,
    algorithm,
    encodeDer(Tag.octetString, hash(issuer.subject)),
    encodeDer(Tag.octetString, hash(issuer.subjectPublicKey)),
    readCertificateFields(certificateDer).serialNumber,
  );
}

/**
 * OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest } with one Request for `certId` and a nonce extension:
 * TBSRequest ::= SEQUENCE { requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions }.
 * Returns the request and the nonce's octets.
 */
export function encodeOcspRequest(certId: Uint8Array): { der: Uint8Array; nonce: Uint8Array } {
  const nonce = new Uint8Array(randomBytes(32));
  // The nonce extension's value is the DER of Nonce ::= OCTET STRING (RFC 8954 §2.1).
  const nonceExtension = encodeDer(Tag.sequence, encodeOid(OID.ocspNonce), encodeDer(Tag.octetString, encodeDer(Tag.octetString, nonce)));
  const requestList = encodeDer(Tag.sequence, encodeDer(Tag.sequence, certId));
  const extensions = encodeDer(Tag.context2Constructed, encodeDer(Tag.sequence, nonceExtension));
  return { der: encodeDer(Tag.sequence, encodeDer(Tag.sequence, requestList, extensions)), nonce };
}
