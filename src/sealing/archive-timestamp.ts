/**
 * XAdES B-LTA (EN 319 132-1 §5.5.2): an archive time-stamp appended to a sealed document's unsigned signature
 * properties, so that the signature, its time-stamp and its validation data stay provable after their algorithms
 * or certificates weaken. Each later archive time-stamp covers the earlier ones too.
 *
 * The time-stamped data, in order, each piece as EN 319 132-1 §5.5.2.2 says:
 * 1. for each ds:Reference in ds:SignedInfo, in order, the data it covers after its transforms (the files' bytes;
 *    the canonical SignedProperties);
 * 2. ds:SignedInfo, ds:SignatureValue and ds:KeyInfo, canonicalised;
 * 3. every unsigned signature property before the new archive time-stamp, in order, canonicalised;
 * 4. any other ds:Object (our documents have none), canonicalised.
 * Canonicalisation is the archive time-stamp's own declared method: exclusive canonicalisation.
 */
import { createHash } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { zipSync, type Zippable } from 'fflate';
import { listZipEntries, readZipEntry } from '../unzip.js';
import { ASICE_MIMETYPE, openAsice, READ_LIMITS } from './asic.js';
import { ALGORITHM, childrenNS, descendantsNS, elementById, excC14n, NS, parseXml } from './xml.js';

export interface ArchiveTimestampDependencies {
  /** Returns an RFC 3161 time-stamp token over a SHA-256 digest. */
  timestamp: (digestSha256: Uint8Array) => Promise<Uint8Array>;
  /** The modification time written for the container's entries. */
  now?: Date;
}

export class ArchiveTimestampError extends Error {
  override readonly name = 'ArchiveTimestampError';
}

/** A new container: `edoc` with an archive time-stamp appended to its signature; `edoc` itself is left as it is. */
export async function addArchiveTimestamp(edoc: Uint8Array, deps: ArchiveTimestampDependencies): Promise<Uint8Array> {
  const container = openAsice(edoc);
  const xml = container.signatureXml;
  const input = archiveTimestampInput(xml, container.files);
  const token = await deps.timestamp(createHash('sha256').update(input).digest());

  const doc = parseXml(xml);
  const unsigned = descendantsNS(doc, NS.xades, 'UnsignedSignatureProperties')[0]!;
  const index = childrenNS(unsigned, NS.xades141, 'ArchiveTimeStamp').length;
  const closing = `</${unsigned.prefix ? `${unsigned.prefix}:` : ''}UnsignedSignatureProperties>`;
  const at = xml.lastIndexOf(closing);
  if (at < 0 || xml.indexOf(closing) !== at) throw new ArchiveTimestampError('the unsigned signature properties cannot be found in the text');
  // The same prefixes as the rest of our signatures; the new element brings the declarations it needs.
  const archive =
    `<xades141:ArchiveTimeStamp xmlns:xades141="${NS.xades141}" xmlns:ds="${NS.ds}" xmlns:xades="${NS.xades}" Id="${signatureId(doc)}-A${index}">` +
    `<ds:CanonicalizationMethod Algorithm="${ALGORITHM.excC14n}"></ds:CanonicalizationMethod>` +
    `<xades:EncapsulatedTimeStamp>${Buffer.from(token).toString('base64')}</xades:EncapsulatedTimeStamp>` +
    `</xades141:ArchiveTimeStamp>`;
  const signatureXml = xml.slice(0, at) + archive + xml.slice(at);
  return repack(edoc, container.signatureName, new TextEncoder().encode(signatureXml), deps.now ?? new Date());
}

/** The octets an archive time-stamp added now to this signature covers (its SHA-256 is the imprint). */
export function archiveTimestampInput(signatureXml: string, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
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
  const pieces: (Uint8Array | string)[] = [];

  for (const reference of childrenNS(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI') ?? '';
    const transforms = descendantsNS(reference, NS.ds, 'Transform').map((t) => t.getAttribute('Algorithm'));
    if (uri.startsWith('#')) {
      const target = elementById(doc, uri.slice(1));
      if (!target || transforms.length !== 1 || transforms[0] !== ALGORITHM.excC14n) {
        throw new ArchiveTimestampError(`reference ${uri} is not an element canonicalised as we can repeat`);
      }
      pieces.push(excC14n(target));
    } else {
      const file = files.get(decodeURIComponent(uri));
      if (!file || transforms.length > 0) throw new ArchiveTimestampError(`reference ${uri} is not a file of the container`);
      pieces.push(file);
    }
  }
  pieces.push(excC14n(signedInfo), excC14n(one('SignatureValue')));
  const keyInfo = childrenNS(signature, NS.ds, 'KeyInfo')[0];
  if (keyInfo) pieces.push(excC14n(keyInfo));
  const unsigned = descendantsNS(signature, NS.xades, 'UnsignedSignatureProperties')[0];
  if (!unsigned) throw new ArchiveTimestampError('the signature has no unsigned properties: it is not B-T or B-LT');
  for (const property of elementChildren(unsigned)) pieces.push(excC14n(property));
  for (const object of childrenNS(signature, NS.ds, 'Object')) {
    if (descendantsNS(object, NS.xades, 'QualifyingProperties').length === 0) pieces.push(excC14n(object));
  }
  return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)));
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
