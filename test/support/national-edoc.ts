/**
 * Containers shaped like those the national signing tools make (Latvian eDoc 2.0 from eParaksts, DSS-based
 * tools), for tests of what the verifier must accept: META-INF/edoc-signatures-S1.xml, the manifest after it, the
 * EDOC ZIP comment, canonicalisation C14N 1.1 (or any other we name), the older SigningCertificate with a SHA-1
 * or SHA-256 digest and IssuerSerial as RFC 4514 text, and a time-stamp declaring its own canonicalisation.
 * The canonical forms are the portal's own (xml.ts); xmlsec1 checks the result independently.
 */
import { createHash } from 'node:crypto';
import * as pkijs from 'pkijs';
import { zipSync, type Zippable } from 'fflate';
import { SIGNATURE_METHOD_URI, type Signer } from '../../src/sealing/signer.js';
import { issuerSerialV2 } from '../../src/sealing/xades.js';
import { ALGORITHM, NS, canonicalize, descendantsNS, elementById, parseXml, type CanonicalizationAlgorithm } from '../../src/sealing/xml.js';

export interface DataFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

export interface NationalSignatureOptions {
  /** The signature's Id ("S1" in eDoc). */
  id: string;
  signer: Signer;
  files: readonly DataFile[];
  signingTime: Date;
  /** SignedInfo's and the signed properties' canonicalisation (C14N 1.1 by default, as eParaksts writes). */
  canonicalization?: CanonicalizationAlgorithm;
  /** 'v2' SigningCertificateV2 with IssuerSerialV2; 'v1-…' the older SigningCertificate as DSS writes it. */
  signingCertificate?: 'v2' | 'v1-sha1' | 'v1-sha256';
  /** A signature time-stamp; `canonicalization: 'default'` writes no CanonicalizationMethod (C14N 1.0 then). */
  timestamp?: { stamp: (digest: Uint8Array) => Promise<Uint8Array>; canonicalization: CanonicalizationAlgorithm | 'default' };
}

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const DIGEST_URI = { sha1: 'http://www.w3.org/2000/09/xmldsig#sha1', sha256: ALGORITHM.sha256 } as const;
const KEYWORDS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST' };

/** An issuer name as Java's X500Principal writes RFC 2253: most specific first, unknown types as OID=#hex. */
export function rfc2253IssuerName(certificateDer: Uint8Array): string {
  const certificate = pkijs.Certificate.fromBER(certificateDer.slice().buffer);
  return [...certificate.issuer.typesAndValues]
    .reverse()
    .map(({ type, value }) => {
      const keyword = KEYWORDS[type];
      if (!keyword) return `${type}=#${Buffer.from(value.toBER()).toString('hex')}`;
      const text = String((value as { valueBlock: { value: string } }).valueBlock.value);
      return `${keyword}=${text.replace(/([,+"\\<>;])/g, '\\$1').replace(/^([ #])/, '\\$1')}`;
    })
    .join(',');
}

function signingCertificateXml(kind: 'v2' | 'v1-sha1' | 'v1-sha256', certificateDer: Uint8Array): string {
  if (kind === 'v2') {
    return (
      `<xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="${ALGORITHM.sha256}"></ds:DigestMethod>` +
      `<ds:DigestValue>${b64(createHash('sha256').update(certificateDer).digest())}</ds:DigestValue></xades:CertDigest>` +
      `<xades:IssuerSerialV2>${issuerSerialV2(certificateDer)}</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2>`
    );
  }
  const hash = kind === 'v1-sha1' ? 'sha1' : 'sha256';
  const serial = pkijs.Certificate.fromBER(certificateDer.slice().buffer).serialNumber.toBigInt().toString(10);
  return (
    `<xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="${DIGEST_URI[hash]}"></ds:DigestMethod>` +
    `<ds:DigestValue>${b64(createHash(hash).update(certificateDer).digest())}</ds:DigestValue></xades:CertDigest>` +
    `<xades:IssuerSerial><ds:X509IssuerName>${rfc2253IssuerName(certificateDer)}</ds:X509IssuerName>` +
    `<ds:X509SerialNumber>${serial}</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SigningCertificate>`
  );
}

/** One ds:Signature in eDoc's shape, as the text to put inside asic:XAdESSignatures. */
export async function nationalSignature(options: NationalSignatureOptions): Promise<string> {
  const { id, signer } = options;
  const c14n = options.canonicalization ?? ALGORITHM.c14n11;
  const certificateDer = signer.certificateChain[0]!;
  const method = SIGNATURE_METHOD_URI[signer.algorithm];
  const time = options.signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const signedProperties =
    `<xades:SignedProperties Id="${id}-SignedProperties"><xades:SignedSignatureProperties><xades:SigningTime>${time}</xades:SigningTime>` +
    signingCertificateXml(options.signingCertificate ?? 'v2', certificateDer) +
    `</xades:SignedSignatureProperties><xades:SignedDataObjectProperties>` +
    options.files
      .map((f, i) => `<xades:DataObjectFormat ObjectReference="#${id}-r${i}"><xades:MimeType>${f.mimeType}</xades:MimeType></xades:DataObjectFormat>`)
      .join('') +
    `</xades:SignedDataObjectProperties></xades:SignedProperties>`;
  const signedInfo = (propertiesDigest: string) =>
    `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="${c14n}"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="${method}"></ds:SignatureMethod>` +
    options.files
      .map(
        (f, i) =>
          `<ds:Reference Id="${id}-r${i}" URI="${f.name.split('/').map(encodeURIComponent).join('/')}"><ds:DigestMethod Algorithm="${ALGORITHM.sha256}"></ds:DigestMethod>` +
          `<ds:DigestValue>${b64(createHash('sha256').update(f.bytes).digest())}</ds:DigestValue></ds:Reference>`,
      )
      .join('') +
    `<ds:Reference Id="${id}-rsp" Type="http://uri.etsi.org/01903#SignedProperties" URI="#${id}-SignedProperties"><ds:Transforms><ds:Transform Algorithm="${c14n}"></ds:Transform></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${ALGORITHM.sha256}"></ds:DigestMethod><ds:DigestValue>${propertiesDigest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
  const signature = (info: string, value: string, unsigned: string) =>
    `<ds:Signature Id="${id}">${info}<ds:SignatureValue Id="${id}-SIG">${value}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${b64(certificateDer)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    `<ds:Object><xades:QualifyingProperties Target="#${id}">${signedProperties}${unsigned}</xades:QualifyingProperties></ds:Object></ds:Signature>`;
  // Canonical forms are taken in the final document: the same root declares the same namespaces around them.
  const parsed = (inner: string) => parseXml(signatureFile([inner]));

  const draft = parsed(signature(signedInfo(''), '', ''));
  const propertiesDigest = b64(
    createHash('sha256')
      .update(canonicalize(elementById(draft, `${id}-SignedProperties`)!, c14n))
      .digest(),
  );
  const info = signedInfo(propertiesDigest);
  const toSign = canonicalize(descendantsNS(parsed(signature(info, '', '')), NS.ds, 'SignedInfo')[0]!, c14n);
  const value = b64(await signer.sign(Buffer.from(toSign, 'utf8')));
  let unsigned = '';
  if (options.timestamp) {
    const declared = options.timestamp.canonicalization;
    const valueElement = descendantsNS(parsed(signature(info, value, '')), NS.ds, 'SignatureValue')[0]!;
    const digest = createHash('sha256')
      .update(canonicalize(valueElement, declared === 'default' ? ALGORITHM.c14n10 : declared))
      .digest();
    const token = await options.timestamp.stamp(digest);
    unsigned =
      `<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp Id="${id}-T0">` +
      (declared === 'default' ? '' : `<ds:CanonicalizationMethod Algorithm="${declared}"></ds:CanonicalizationMethod>`) +
      `<xades:EncapsulatedTimeStamp>${b64(token)}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp></xades:UnsignedSignatureProperties></xades:UnsignedProperties>`;
  }
  return signature(info, value, unsigned);
}

/** An eDoc signature file holding the given ds:Signature elements. */
export function signatureFile(signatures: readonly string[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>` +
    `<asic:XAdESSignatures xmlns:asic="${NS.asic}" xmlns:ds="${NS.ds}" xmlns:xades="${NS.xades}">${signatures.join('')}</asic:XAdESSignatures>`
  );
}

export function manifestFile(files: readonly DataFile[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?><manifest:manifest xmlns:manifest="${NS.manifest}" manifest:version="1.2">` +
    `<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.etsi.asic-e+zip"/>` +
    files.map((f) => `<manifest:file-entry manifest:full-path="${f.name}" manifest:media-type="${f.mimeType}"/>`).join('') +
    `</manifest:manifest>`
  );
}

/** An eDoc 2.0 container: mimetype, the documents, the signature files, then the manifest; the EDOC ZIP comment. */
export function nationalContainer(files: readonly DataFile[], signatureFiles: readonly { name: string; xml: string }[]): Uint8Array {
  const zippable: Zippable = { mimetype: [new TextEncoder().encode('application/vnd.etsi.asic-e+zip'), { level: 0 }] };
  for (const f of files) zippable[f.name] = [f.bytes, { level: 6 }];
  for (const s of signatureFiles) zippable[s.name] = [new TextEncoder().encode(s.xml), { level: 6 }];
  zippable['META-INF/manifest.xml'] = [new TextEncoder().encode(manifestFile(files)), { level: 6 }];
  const bytes = zipSync(zippable);
  // fflate writes no archive comment: set the end record's comment length and append it.
  const comment = new TextEncoder().encode('EDOC/2.0; LIB/test');
  const out = new Uint8Array(bytes.length + comment.length);
  out.set(bytes);
  out.set(comment, bytes.length);
  new DataView(out.buffer).setUint16(bytes.length - 2, comment.length, true);
  return out;
}
