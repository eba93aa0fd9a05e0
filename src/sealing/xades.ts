/**
 * XAdES baseline signatures (ETSI EN 319 132-1) over the documents of an ASiC-E container: level B-B, B-T when a
 * time-stamp authority is at hand, and B-LT when the validation data (certificates, OCSP responses) is gathered
 * after the time-stamp. The XML is written by us in a fixed shape; every digest is taken over the exclusive
 * canonical form computed from the parsed document, never over our own text.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { LongTermData } from './long-term-data.js';
import { SIGNATURE_METHOD_URI, type Signer } from './signer.js';
import { ALGORITHM, NS, descendantsNS, elementById, escapeAttribute, escapeText, excC14n, parseXml } from './xml.js';

export interface DataObject {
  /** File name inside the container, e.g. "Sertifikāts 2024-301949081206-KUMAL.pdf". */
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

export interface SignOptions {
  signingTime: Date;
  /** Returns an RFC 3161 time-stamp token over a SHA-256 digest; makes the signature B-T. */
  timestamp?: (digestSha256: Uint8Array) => Promise<Uint8Array>;
  /** Returns the validation data for the signature time-stamp token; with `timestamp`, makes the signature B-LT. */
  longTerm?: (timestampToken: Uint8Array) => Promise<LongTermData>;
  productionPlace?: { city: string; countryCode: string };
  /** Filled in with where the time went, for benchmarks. */
  timings?: { signMs: number; timestampMs: number; longTermMs: number };
}

export const SIGNATURE_ID = 'S1';

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

/** A reference URI is the file name, percent-encoded ("Sertifik%C4%81ts%202025.pdf"). */
export function referenceUri(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

const issuerSerialCache = new WeakMap<Uint8Array, string>();

/** IssuerSerialV2: DER of IssuerSerial { issuer GeneralNames (directoryName), serialNumber }. */
export function issuerSerialV2(certificateDer: Uint8Array): string {
  const cached = issuerSerialCache.get(certificateDer);
  if (cached) return cached;
  const value = computeIssuerSerialV2(certificateDer);
  issuerSerialCache.set(certificateDer, value);
  return value;
}

function computeIssuerSerialV2(certificateDer: Uint8Array): string {
  const certificate = pkijs.Certificate.fromBER(certificateDer);
  const generalNames = new asn1js.Sequence({
    value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
  });
  return b64(new Uint8Array(new asn1js.Sequence({ value: [generalNames, certificate.serialNumber] }).toBER()));
}

function signedPropertiesXml(objects: readonly DataObject[], certificateDer: Uint8Array, options: SignOptions): string {
  const place = options.productionPlace;
  return (
    `<xades:SignedProperties xmlns:xades="${NS.xades}" Id="${SIGNATURE_ID}-SignedProperties">` +
    `<xades:SignedSignatureProperties>` +
    `<xades:SigningTime>${options.signingTime.toISOString().replace(/\.\d{3}Z$/, 'Z')}</xades:SigningTime>` +
    `<xades:SigningCertificateV2><xades:Cert><xades:CertDigest>` +
    `<ds:DigestMethod xmlns:ds="${NS.ds}" Algorithm="${ALGORITHM.sha256}"></ds:DigestMethod>` +
    `<ds:DigestValue xmlns:ds="${NS.ds}">${b64(sha256(certificateDer))}</ds:DigestValue>` +
    `</xades:CertDigest><xades:IssuerSerialV2>${issuerSerialV2(certificateDer)}</xades:IssuerSerialV2></xades:Cert></xades:SigningCertificateV2>` +
    (place
      ? `<xades:SignatureProductionPlaceV2><xades:City>${escapeText(place.city)}</xades:City>` +
        `<xades:CountryName>${escapeText(place.countryCode)}</xades:CountryName></xades:SignatureProductionPlaceV2>`
      : '') +
    `</xades:SignedSignatureProperties>` +
    `<xades:SignedDataObjectProperties>` +
    objects
      .map(
        (o, i) =>
          `<xades:DataObjectFormat ObjectReference="#${SIGNATURE_ID}-ref-${i}"><xades:MimeType>${escapeText(o.mimeType)}</xades:MimeType></xades:DataObjectFormat>`,
      )
      .join('') +
    `</xades:SignedDataObjectProperties>` +
    `</xades:SignedProperties>`
  );
}

function signedInfoXml(objects: readonly DataObject[], signer: Signer, signedPropertiesDigest: string): string {
  const reference = (id: string, uri: string, digest: string, extra = '') =>
    `<ds:Reference Id="${id}"${extra} URI="${escapeAttribute(uri)}">` +
    (extra ? `<ds:Transforms><ds:Transform Algorithm="${ALGORITHM.excC14n}"></ds:Transform></ds:Transforms>` : '') +
    `<ds:DigestMethod Algorithm="${ALGORITHM.sha256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  return (
    `<ds:SignedInfo>` +
    `<ds:CanonicalizationMethod Algorithm="${ALGORITHM.excC14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${SIGNATURE_METHOD_URI[signer.algorithm]}"></ds:SignatureMethod>` +
    objects.map((o, i) => reference(`${SIGNATURE_ID}-ref-${i}`, referenceUri(o.name), b64(sha256(o.bytes)))).join('') +
    reference(`${SIGNATURE_ID}-ref-sp`, `#${SIGNATURE_ID}-SignedProperties`, signedPropertiesDigest, ` Type="${ALGORITHM.signedPropertiesType}"`) +
    `</ds:SignedInfo>`
  );
}

function documentXml(parts: {
  signedInfo: string;
  signatureValue: string;
  certificates: readonly Uint8Array[];
  signedProperties: string;
  unsigned: string;
}): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>` +
    `<asic:XAdESSignatures xmlns:asic="${NS.asic}" xmlns:ds="${NS.ds}" xmlns:xades="${NS.xades}">` +
    `<ds:Signature Id="${SIGNATURE_ID}">` +
    parts.signedInfo +
    `<ds:SignatureValue Id="${SIGNATURE_ID}-SIG">${parts.signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data>${parts.certificates.map((c) => `<ds:X509Certificate>${b64(c)}</ds:X509Certificate>`).join('')}</ds:X509Data></ds:KeyInfo>` +
    `<ds:Object><xades:QualifyingProperties Target="#${SIGNATURE_ID}">` +
    parts.signedProperties +
    parts.unsigned +
    `</xades:QualifyingProperties></ds:Object>` +
    `</ds:Signature></asic:XAdESSignatures>`
  );
}

/**
 * B-LT's unsigned properties, after the signature time-stamp they depend on: CertificateValues, RevocationValues
 * and, for the time-stamp authority's own certificate, xades141:TimeStampValidationData.
 */
function longTermXml(data: LongTermData): string {
  const certificateValues = (certificates: readonly Uint8Array[], id = '') =>
    `<xades:CertificateValues${id}>${certificates.map((c) => `<xades:EncapsulatedX509Certificate>${b64(c)}</xades:EncapsulatedX509Certificate>`).join('')}</xades:CertificateValues>`;
  const revocationValues = (ocspResponses: readonly Uint8Array[], id = '') =>
    `<xades:RevocationValues${id}><xades:OCSPValues>` +
    ocspResponses.map((r) => `<xades:EncapsulatedOCSPValue>${b64(r)}</xades:EncapsulatedOCSPValue>`).join('') +
    `</xades:OCSPValues></xades:RevocationValues>`;
  const stamp = data.timestampValidation;
  return (
    certificateValues(data.certificates, ` Id="${SIGNATURE_ID}-CV"`) +
    revocationValues(data.ocspResponses, ` Id="${SIGNATURE_ID}-RV"`) +
    (stamp
      ? `<xades141:TimeStampValidationData xmlns:xades141="${NS.xades141}" Id="${SIGNATURE_ID}-T0-VD">` +
        (stamp.certificates.length > 0 ? certificateValues(stamp.certificates) : '') +
        revocationValues(stamp.ocspResponses) +
        `</xades141:TimeStampValidationData>`
      : '')
  );
}

// Placeholders: base64 text never needs escaping, so a value can replace its placeholder in the canonical
// form as well as in the document, and one parse serves every digest.
const PROPERTIES_DIGEST = 'PROPERTIES-DIGEST-PLACEHOLDER';
const SIGNATURE_VALUE = 'SIGNATURE-VALUE-PLACEHOLDER';

/** Signs the data objects; returns the signature file (META-INF/signatures0.xml) as text. */
export async function signXades(objects: readonly DataObject[], signer: Signer, options: SignOptions): Promise<string> {
  const certificates = signer.certificateChain;
  const signedProperties = signedPropertiesXml(objects, certificates[0]!, options);
  const signedInfoTemplate = signedInfoXml(objects, signer, PROPERTIES_DIGEST);
  const template = documentXml({ signedInfo: signedInfoTemplate, signatureValue: SIGNATURE_VALUE, certificates, signedProperties, unsigned: '' });
  const doc = parseXml(template);

  // 1. Digest of the signed properties in their canonical form, as they stand in the final document.
  const propertiesDigest = b64(sha256(excC14n(elementById(doc, `${SIGNATURE_ID}-SignedProperties`)!)));
  // 2. The signature over the canonical SignedInfo.
  const canonicalInfo = excC14n(descendantsNS(doc, NS.ds, 'SignedInfo')[0]!).replace(PROPERTIES_DIGEST, propertiesDigest);
  const signStarted = performance.now();
  const signatureValue = b64(await signer.sign(Buffer.from(canonicalInfo, 'utf8')));
  if (options.timings) options.timings.signMs = performance.now() - signStarted;
  let unsigned = '';
  if (options.timestamp) {
    // 3. B-T: a time-stamp over the canonical SignatureValue element.
    const canonicalValue = excC14n(descendantsNS(doc, NS.ds, 'SignatureValue')[0]!).replace(SIGNATURE_VALUE, signatureValue);
    const stampStarted = performance.now();
    const token = await options.timestamp(sha256(canonicalValue));
    if (options.timings) options.timings.timestampMs = performance.now() - stampStarted;
    let longTerm = '';
    if (options.longTerm) {
      const started = performance.now();
      longTerm = longTermXml(await options.longTerm(token));
      if (options.timings) options.timings.longTermMs = performance.now() - started;
    }
    unsigned =
      `<xades:UnsignedProperties><xades:UnsignedSignatureProperties>` +
      `<xades:SignatureTimeStamp Id="${SIGNATURE_ID}-T0"><ds:CanonicalizationMethod Algorithm="${ALGORITHM.excC14n}"></ds:CanonicalizationMethod>` +
      `<xades:EncapsulatedTimeStamp>${b64(token)}</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>` +
      longTerm +
      `</xades:UnsignedSignatureProperties></xades:UnsignedProperties>`;
  }
  return documentXml({
    signedInfo: signedInfoXml(objects, signer, propertiesDigest),
    signatureValue,
    certificates,
    signedProperties,
    unsigned,
  });
}
