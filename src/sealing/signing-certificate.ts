/**
 * Which certificate signed: the one the signed properties name. XAdES baseline signatures (EN 319 132-1) name it
 * in SigningCertificateV2 (a digest and, optionally, IssuerSerialV2: the DER of issuer and serial); signatures
 * made by DSS-based tools may still use the older SigningCertificate (a digest, often SHA-1, and IssuerSerial:
 * the issuer as RFC 4514 text and the serial in decimal). Both are read; the digest is what binds the
 * certificate, the issuer and serial must agree with it.
 */
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { copyBytes, equalBytes } from './bytes.js';
import { sameDistinguishedName } from './distinguished-name.js';
import { issuerSerialV2 } from './xades.js';
import type { Element } from '@xmldom/xmldom';
import { NS, childrenNS } from './xml.js';

/** XML digest algorithm URIs → Node hash names, for certificate digests (SHA-1 only where older forms used it). */
export const CERTIFICATE_DIGESTS: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'sha1',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
};

export type SigningCertificateResult =
  { der: Uint8Array } | { problem: 'malformed' } | { problem: 'unsupported'; algorithm: string } | { problem: 'certificate-swapped' };

const text = (el: Element | undefined) => (el?.textContent ?? '').trim();
const base64 = (el: Element | undefined) => new Uint8Array(Buffer.from(text(el).replace(/\s+/g, ''), 'base64'));

/** The signing certificate among `candidates`, as `signedSignatureProperties` name it. */
export function findSigningCertificate(signedSignatureProperties: Element, candidates: readonly Uint8Array[]): SigningCertificateResult {
  const v2 = childrenNS(signedSignatureProperties, NS.xades, 'SigningCertificateV2');
  const v1 = childrenNS(signedSignatureProperties, NS.xades, 'SigningCertificate');
  if (v1.length + v2.length !== 1) return { problem: 'malformed' };
  const property = (v2[0] ?? v1[0])!;
  // The signer's own certificate comes first; any others name its issuers.
  const cert = childrenNS(property, NS.xades, 'Cert')[0];
  const digest = cert && childrenNS(cert, NS.xades, 'CertDigest')[0];
  const method = digest && childrenNS(digest, NS.ds, 'DigestMethod')[0]?.getAttribute('Algorithm');
  if (!digest || !method) return { problem: 'malformed' };
  const hash = CERTIFICATE_DIGESTS[method];
  if (!hash) return { problem: 'unsupported', algorithm: method };
  const expected = base64(childrenNS(digest, NS.ds, 'DigestValue')[0]);
  const der = candidates.find((candidate) => equalBytes(createHash(hash).update(candidate).digest(), expected));
  if (!der) return { problem: 'certificate-swapped' };

  if (v2.length > 0) {
    // IssuerSerialV2 is optional in the baseline profile; when present it must be this certificate's.
    const issuerSerial = childrenNS(cert, NS.xades, 'IssuerSerialV2')[0];
    if (issuerSerial && !equalBytes(base64(issuerSerial), Buffer.from(issuerSerialV2(der), 'base64'))) return { problem: 'certificate-swapped' };
    return { der };
  }
  const issuerSerial = childrenNS(cert, NS.xades, 'IssuerSerial')[0];
  const issuerName = issuerSerial && text(childrenNS(issuerSerial, NS.ds, 'X509IssuerName')[0]);
  const serialText = issuerSerial && text(childrenNS(issuerSerial, NS.ds, 'X509SerialNumber')[0]);
  if (!issuerName || !serialText || !/^\d+$/.test(serialText)) return { problem: 'malformed' };
  const certificate = pkijs.Certificate.fromBER(copyBytes(der));
  if (BigInt(serialText) !== certificate.serialNumber.toBigInt()) return { problem: 'certificate-swapped' };
  if (!sameDistinguishedName(issuerName, certificate.issuer)) return { problem: 'certificate-swapped' };
  return { der };
}
