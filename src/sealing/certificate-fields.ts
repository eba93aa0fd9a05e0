/** The few fields of an X.509 certificate that OCSP and CMS structures name, read as they are encoded (DER). */
import { DerFields, Tag } from './der.js';

export interface CertificateFields {
  /** The serialNumber INTEGER element. */
  serialNumber: Uint8Array;
  /** The issuer and subject Name elements. */
  issuer: Uint8Array;
  subject: Uint8Array;
  /** The subjectPublicKey BIT STRING's bits (without the unused-bits octet), which OCSP key hashes cover. */
  subjectPublicKey: Uint8Array;
}

export function readCertificateFields(der: Uint8Array): CertificateFields {
  const certificate = DerFields.read(der, 'Certificate', 'der');
  const tbs = certificate.sequence('tbsCertificate');
  tbs.optional(Tag.context0Constructed); // version
  const serialNumber = tbs.required(Tag.integer, 'serialNumber').encoded;
  tbs.required(Tag.sequence, 'signature');
  const issuer = tbs.required(Tag.sequence, 'issuer').encoded;
  tbs.required(Tag.sequence, 'validity');
  const subject = tbs.required(Tag.sequence, 'subject').encoded;
  const publicKeyInfo = tbs.sequence('subjectPublicKeyInfo');
  publicKeyInfo.required(Tag.sequence, 'algorithm');
  const bits = publicKeyInfo.required(Tag.bitString, 'subjectPublicKey').content;
  return { serialNumber, issuer, subject, subjectPublicKey: bits.subarray(1) };
}
