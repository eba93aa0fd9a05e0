/**
 * Raising a B-T document to the long-term levels in tests, the way EN 319 132-1 structures them: unsigned
 * signature properties appended after the signature time-stamp (adding unsigned properties leaves the signature
 * valid). B-LT: xades:CertificateValues and xades:RevocationValues/xades:OCSPValues/xades:EncapsulatedOCSPValue.
 * B-LTA: an xades141:ArchiveTimeStamp whose imprint is worked out here from the standard's list, with exclusive
 * canonicalisation, independently of the portal's own code.
 */
import { createHash } from 'node:crypto';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { editSignatureXml, SIGNATURE_ENTRY, unzipEntries } from './edoc.js';

const NS = {
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xades: 'http://uri.etsi.org/01903/v1.3.2#',
  xades141: 'http://uri.etsi.org/01903/v1.4.1#',
};
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');
const END = '</xades:UnsignedSignatureProperties>';

function appendUnsigned(edoc: Uint8Array, xml: string): Uint8Array {
  return editSignatureXml(edoc, (signature) => {
    if (!signature.includes(END)) throw new Error('not a B-T signature: no unsigned signature properties');
    return signature.replace(END, `${xml}${END}`);
  });
}

/** B-T → B-LT: the certificates and OCSP responses given, as the standard's validation data. */
export function withLongTermData(edoc: Uint8Array, data: { certificates: Uint8Array[]; ocspResponses: Uint8Array[] }): Uint8Array {
  return appendUnsigned(
    edoc,
    `<xades:CertificateValues>${data.certificates.map((c) => `<xades:EncapsulatedX509Certificate>${b64(c)}</xades:EncapsulatedX509Certificate>`).join('')}</xades:CertificateValues>` +
      `<xades:RevocationValues><xades:OCSPValues>${data.ocspResponses.map((r) => `<xades:EncapsulatedOCSPValue>${b64(r)}</xades:EncapsulatedOCSPValue>`).join('')}</xades:OCSPValues></xades:RevocationValues>`,
  );
}

function children(parent: Element, ns: string, name: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1 && (node as Element).namespaceURI === ns && (node as Element).localName === name) found.push(node as Element);
  }
  return found;
}

/**
 * The message imprint input of an archive time-stamp appended now (EN 319 132-1 §5.5.2): each reference's data,
 * SignedInfo, SignatureValue, KeyInfo, every unsigned signature property so far, every other ds:Object; XML
 * canonicalised with exclusive C14N.
 */
export function archiveInputByHand(edoc: Uint8Array): Uint8Array {
  const entries = new Map(unzipEntries(edoc));
  const doc = new DOMParser().parseFromString(new TextDecoder().decode(entries.get(SIGNATURE_ENTRY)), 'application/xml');
  const c14n = new ExclusiveCanonicalization();
  const xml = (el: Element) => Buffer.from(c14n.process(el as never, {}), 'utf8');
  const signature = doc.getElementsByTagNameNS(NS.ds, 'Signature').item(0)!;
  const signedInfo = children(signature, NS.ds, 'SignedInfo')[0]!;
  const parts: Uint8Array[] = [];
  for (const reference of children(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI')!;
    if (uri.startsWith('#')) {
      const all = doc.getElementsByTagName('*');
      const target = Array.from({ length: all.length }, (_, i) => all.item(i)!).find((el) => el.getAttribute('Id') === uri.slice(1))!;
      parts.push(xml(target));
    } else {
      parts.push(entries.get(decodeURIComponent(uri))!);
    }
  }
  parts.push(xml(signedInfo), xml(children(signature, NS.ds, 'SignatureValue')[0]!), ...children(signature, NS.ds, 'KeyInfo').map(xml));
  const unsigned = doc.getElementsByTagNameNS(NS.xades, 'UnsignedSignatureProperties').item(0)!;
  for (let node = unsigned.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) parts.push(xml(node as Element));
  for (const object of children(signature, NS.ds, 'Object')) if (children(object, NS.xades, 'QualifyingProperties').length === 0) parts.push(xml(object));
  return Buffer.concat(parts);
}

/** B-LT → B-LTA: an archive time-stamp from `stamp`, over the document as it stands (or over `digest` if given). */
export async function withArchiveTimestamp(edoc: Uint8Array, stamp: (digest: Uint8Array) => Promise<Uint8Array>, digest?: Uint8Array): Promise<Uint8Array> {
  const token = await stamp(digest ?? createHash('sha256').update(archiveInputByHand(edoc)).digest());
  return appendUnsigned(
    edoc,
    `<xades141:ArchiveTimeStamp xmlns:xades141="${NS.xades141}" Id="S1-ATS-${Date.now()}">` +
      `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:CanonicalizationMethod>` +
      `<xades:EncapsulatedTimeStamp>${b64(token)}</xades:EncapsulatedTimeStamp></xades141:ArchiveTimeStamp>`,
  );
}
