/**
 * What a signature covers, independent of the ZIP it travels in: the SHA-256 of its signature value and of each
 * file it signs. Two copies of one sealed document share it however they were zipped, and so does every later
 * version of the document (adding unsigned properties, such as an archive time-stamp, changes neither), while
 * another signature over the very same files does not. The register recognises its documents by it.
 */
import { createHash } from 'node:crypto';
import type { Element } from '@xmldom/xmldom';
import { openAsice } from './asic.js';
import { fileOfReference } from './reference-uri.js';
import { NS, childrenNS, parseXml } from './xml.js';

export interface SignatureFingerprint {
  /** SHA-256 (hex) of the signature value's bytes (the base64 of ds:SignatureValue, decoded). */
  signatureValueSha256: string;
  /** Each signed file's name → SHA-256 (hex) of its bytes, names in sorted order. */
  signedData: Record<string, string>;
}

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The fingerprint of one ds:Signature over `files`; undefined when it lacks a value or names a missing file. */
export function signatureFingerprint(signature: Element, files: ReadonlyMap<string, Uint8Array>): SignatureFingerprint | undefined {
  const signedInfo = childrenNS(signature, NS.ds, 'SignedInfo')[0];
  const value = childrenNS(signature, NS.ds, 'SignatureValue')[0];
  if (!signedInfo || !value) return undefined;
  const signed: [string, string][] = [];
  for (const reference of childrenNS(signedInfo, NS.ds, 'Reference')) {
    const uri = reference.getAttribute('URI') ?? '';
    if (uri.startsWith('#')) continue;
    const name = fileOfReference(uri);
    const bytes = name === undefined ? undefined : files.get(name);
    if (name === undefined || !bytes) return undefined;
    signed.push([name, sha256Hex(bytes)]);
  }
  signed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    signatureValueSha256: sha256Hex(Buffer.from((value.textContent ?? '').replace(/\s+/g, ''), 'base64')),
    signedData: Object.fromEntries(signed),
  };
}

/** The fingerprint of a document we sealed: its one signature. Throws when the bytes are not such a document. */
export function documentFingerprint(edoc: Uint8Array): SignatureFingerprint {
  const container = openAsice(edoc);
  const signatureFile = container.signatures[0];
  const root = signatureFile ? parseXml(signatureFile.xml).documentElement : undefined;
  const signature = root ? childrenNS(root, NS.ds, 'Signature')[0] : undefined;
  const fingerprint = signature && signatureFingerprint(signature, container.files);
  if (!fingerprint || container.signatures.length !== 1) throw new Error('not a sealed document of ours: no single signature');
  return fingerprint;
}

export function sameFingerprint(a: SignatureFingerprint, b: SignatureFingerprint): boolean {
  const names = Object.keys(a.signedData);
  return (
    a.signatureValueSha256 === b.signatureValueSha256 &&
    names.length === Object.keys(b.signedData).length &&
    names.every((name) => a.signedData[name] === b.signedData[name])
  );
}
