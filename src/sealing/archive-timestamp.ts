/**
 * What an archive time-stamp (xades141:ArchiveTimeStamp, the B-LTA level) stamps: EN 319 132-1 §5.5.2 with the
 * implicit mechanism baseline signatures use. In this order, each canonicalised with the algorithm the
 * time-stamp declares (C14N 1.0 when it declares none) where it is XML:
 *   1. the data of every ds:Reference, in SignedInfo's order, as the reference processing gives it (a file's
 *      bytes; the signed properties after their reference's transform);
 *   2. ds:SignedInfo, ds:SignatureValue and ds:KeyInfo when present;
 *   3. every unsigned signature property that comes before this time-stamp, in document order;
 *   4. every ds:Object of the signature except the one holding the qualifying properties.
 * Any change to the signature, its data or the validation data gathered before the stamp changes its imprint.
 */
import type { Element } from '@xmldom/xmldom';
import { canonicalize, type CanonicalizationAlgorithm } from './xml.js';

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
