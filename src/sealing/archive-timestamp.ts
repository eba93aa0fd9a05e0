/**
 * XAdES B-LTA (EN 319 132-1 §5.5.2): what an archive time-stamp (xades141:ArchiveTimeStamp) stamps, and adding one
 * to a sealed document, so that the signature, its time-stamp and its validation data stay provable after their
 * algorithms or certificates weaken. With the implicit mechanism baseline signatures use, the stamped data are, in
 * this order, each canonicalised with the algorithm the time-stamp declares (C14N 1.0 when it declares none):
 *   1. the data of every ds:Reference, in SignedInfo's order, as the reference processing gives it (a file's
 *      bytes; the signed properties after their reference's transform);
 *   2. ds:SignedInfo, ds:SignatureValue and ds:KeyInfo when present;
 *   3. every unsigned signature property that comes before this time-stamp, in document order;
 *   4. every ds:Object of the signature except the one holding the qualifying properties.
 * Any change to the signature, its data or the validation data gathered before the stamp changes its imprint.
 * The verifier (signature-check.ts) and the writer below compute it with the same function.
 */
import { createHash } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { zipSync, type Zippable } from 'fflate';
import { listZipEntries, readZipEntry } from '../unzip.js';
import { ASICE_MIMETYPE, openAsice, READ_LIMITS } from './asic.js';
import { ALGORITHM, canonicalize, childrenNS, descendantsNS, elementById, excC14n, NS, parseXml, type CanonicalizationAlgorithm } from './xml.js';

export interface ArchivedParts {
  /** Each reference's data, in SignedInfo's order. */
  referenceData: readonly Uint8Array[];
  signedInfo: Element;
  signatureValue: Element;
  keyInfo?: Element;
  /** The unsigned signature properties before the time-stamp, in order. */
  earlierProperties: readonly Element[];
  /** The signature's ds:Object elements other than the qualifying properties' one. */
  otherObjects: readonly Element[];
}

export function archiveTimestampInput(parts: ArchivedParts, algorithm: CanonicalizationAlgorithm): Uint8Array {
  const xml = (element: Element) => Buffer.from(canonicalize(element, algorithm), 'utf8');
  return Buffer.concat([
    ...parts.referenceData,
    xml(parts.signedInfo),
    xml(parts.signatureValue),
    ...(parts.keyInfo ? [xml(parts.keyInfo)] : []),
    ...parts.earlierProperties.map(xml),
    ...parts.otherObjects.map(xml),
  ]);
}

export interface ArchiveTimestampDependencies {
  /** Returns an RFC 3161 time-stamp token over a SHA-256 digest. */
  timestamp: (digestSha256: Uint8Array) => Promise<Uint8Array>;
  /** The modification time written for the container's entries. */
  now?: Date;
  /**
   * Validation data of the time-stamp that was newest until now (its authority's certificates and OCSP
   * responses), written as xades141:TimeStampValidationData just before the new archive time-stamp, which then
   * covers it (EN 319 132-1 §5.5.2: how a renewal keeps the earlier time-stamp provable).
   */
  previousTimestampValidation?: { certificates: readonly Uint8Array[]; ocspResponses: readonly Uint8Array[] };
}

export class ArchiveTimestampError extends Error {
  override readonly name = 'ArchiveTimestampError';
}

/** A new container: `edoc` with an archive time-stamp appended to its signature; `edoc` itself is left as it is. */
export async function addArchiveTimestamp(edoc: Uint8Array, deps: ArchiveTimestampDependencies): Promise<Uint8Array> {
  const container = openAsice(edoc);
  // Our own documents carry one signature file; a container with others beside it is not ours to extend.
  if (container.signatures.length !== 1) throw new ArchiveTimestampError('the container must hold one signature file');
  const { name: signatureName } = container.signatures[0]!;
  let { xml } = container.signatures[0]!;
  const doc = parseXml(xml);
  const unsigned = descendantsNS(doc, NS.xades, 'UnsignedSignatureProperties')[0];
  if (!unsigned) throw new ArchiveTimestampError('the signature has no unsigned properties: it is not B-T or B-LT');
  const index = childrenNS(unsigned, NS.xades141, 'ArchiveTimeStamp').length;
  const closing = `</${unsigned.prefix ? `${unsigned.prefix}:` : ''}UnsignedSignatureProperties>`;
  const closingAt = () => {
    const at = xml.lastIndexOf(closing);
    if (at < 0 || xml.indexOf(closing) !== at) throw new ArchiveTimestampError('the unsigned signature properties cannot be found in the text');
    return at;
  };
  const validation = deps.previousTimestampValidation;
  if (validation && (validation.certificates.length > 0 || validation.ocspResponses.length > 0)) {
    const at = closingAt();
    xml = xml.slice(0, at) + timestampValidationDataXml(validation, `${signatureId(doc)}-A${index}-VD`) + xml.slice(at);
  }
  // Our archive time-stamps declare exclusive canonicalisation, as our signatures use.
  const input = archiveTimestampInput(archivedPartsOf(xml, container.files), ALGORITHM.excC14n);
  const token = await deps.timestamp(createHash('sha256').update(input).digest());
  const at = closingAt();
  // The same prefixes as the rest of our signatures; the new element brings the declarations it needs.
  const archive =
    `<xades141:ArchiveTimeStamp xmlns:xades141="${NS.xades141}" xmlns:ds="${NS.ds}" xmlns:xades="${NS.xades}" Id="${signatureId(doc)}-A${index}">` +
    `<ds:CanonicalizationMethod Algorithm="${ALGORITHM.excC14n}"></ds:CanonicalizationMethod>` +
    `<xades:EncapsulatedTimeStamp>${Buffer.from(token).toString('base64')}</xades:EncapsulatedTimeStamp>` +
    `</xades141:ArchiveTimeStamp>`;
  const signatureXml = xml.slice(0, at) + archive + xml.slice(at);
  return repack(edoc, signatureName, new TextEncoder().encode(signatureXml), deps.now ?? new Date());
}

/** xades141:TimeStampValidationData with the prefixes of our signatures, bringing the declarations it needs. */
function timestampValidationDataXml(data: NonNullable<ArchiveTimestampDependencies['previousTimestampValidation']>, id: string): string {
  const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
  return (
    `<xades141:TimeStampValidationData xmlns:xades141="${NS.xades141}" xmlns:xades="${NS.xades}" Id="${id}">` +
    (data.certificates.length > 0
      ? `<xades:CertificateValues>${data.certificates.map((c) => `<xades:EncapsulatedX509Certificate>${b64(c)}</xades:EncapsulatedX509Certificate>`).join('')}</xades:CertificateValues>`
      : '') +
    (data.ocspResponses.length > 0
      ? `<xades:RevocationValues><xades:OCSPValues>${data.ocspResponses.map((r) => `<xades:EncapsulatedOCSPValue>${b64(r)}</xades:EncapsulatedOCSPValue>`).join('')}</xades:OCSPValues></xades:RevocationValues>`
      : '') +
    `</xades141:TimeStampValidationData>`
  );
}

/** The parts an archive time-stamp added now to this signature covers: everything already in it, in order. */
export function archivedPartsOf(signatureXml: string, files: ReadonlyMap<string, Uint8Array>): ArchivedParts {
  const doc = parseXml(signatureXml);
  const signatures = descendantsNS(doc, NS.ds, 'Signature');
  if (signatures.length !== 1) throw new ArchiveTimestampError('the signature file must hold one signature');
  const signature = signatures[0]!;
  const one = (name: string) => {
    const found = childrenNS(signature, NS.ds, name)[0];
    if (!found) throw new ArchiveTimestampError(`the signature has no ds:${name}`);
    return found;
  };
  const signedInfo = one('SignedInfo');
  const referenceData: Uint8Array[] = [];
  for (const reference of childrenNS(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI') ?? '';
    const transforms = descendantsNS(reference, NS.ds, 'Transform').map((t) => t.getAttribute('Algorithm'));
    if (uri.startsWith('#')) {
      const target = elementById(doc, uri.slice(1));
      if (!target || transforms.length !== 1 || transforms[0] !== ALGORITHM.excC14n) {
        throw new ArchiveTimestampError(`reference ${uri} is not an element canonicalised as we can repeat`);
      }
      referenceData.push(Buffer.from(excC14n(target), 'utf8'));
    } else {
      const file = files.get(decodeURIComponent(uri));
      if (!file || transforms.length > 0) throw new ArchiveTimestampError(`reference ${uri} is not a file of the container`);
      referenceData.push(file);
    }
  }
  const keyInfo = childrenNS(signature, NS.ds, 'KeyInfo')[0];
  const unsigned = descendantsNS(signature, NS.xades, 'UnsignedSignatureProperties')[0];
  if (!unsigned) throw new ArchiveTimestampError('the signature has no unsigned properties: it is not B-T or B-LT');
  return {
    referenceData,
    signedInfo,
    signatureValue: one('SignatureValue'),
    ...(keyInfo ? { keyInfo } : {}),
    earlierProperties: elementChildren(unsigned),
    otherObjects: childrenNS(signature, NS.ds, 'Object').filter((object) => descendantsNS(object, NS.xades, 'QualifyingProperties').length === 0),
  };
}

function elementChildren(parent: Element): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) found.push(node as Element);
  return found;
}

function signatureId(doc: ReturnType<typeof parseXml>): string {
  return descendantsNS(doc, NS.ds, 'Signature')[0]!.getAttribute('Id') || 'S1';
}

/** The container's entries in their order, the signature file replaced; stored entries stay stored (the mimetype first). */
function repack(edoc: Uint8Array, signatureName: string, signature: Uint8Array, modified: Date): Uint8Array {
  const entries: Zippable = {};
  for (const entry of listZipEntries(edoc)) {
    if (entry.name.endsWith('/')) continue;
    const content = entry.name === signatureName ? signature : readZipEntry(edoc, entry, READ_LIMITS.entryBytes);
    entries[entry.name] = [content, { level: entry.method === 0 ? 0 : 6, mtime: modified, os: 3, attrs: 0o100644 << 16 }];
  }
  if (new TextDecoder().decode(entries['mimetype']?.[0] as Uint8Array | undefined) !== ASICE_MIMETYPE) {
    throw new ArchiveTimestampError('the container has no ASiC-E mimetype entry');
  }
  return zipSync(entries);
}
