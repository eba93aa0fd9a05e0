/**
 * ASiC-E containers (ETSI EN 319 162-1), the .edoc files: `mimetype` first and stored, the data files, an ODF
 * manifest and XAdES signature files (ours writes one; a holder's container may carry more, e.g. a university's
 * countersignature). Reading is defensive: uploads come from anyone.
 */
import { zipSync, type Zippable } from 'fflate';
import { listZipEntries, readZipEntry, ZipError, type ZipEntry } from '../unzip.js';
import type { DataObject } from './xades.js';
import { escapeAttribute, NS } from './xml.js';

export const ASICE_MIMETYPE = 'application/vnd.etsi.asic-e+zip';
export const SIGNATURE_FILE = 'META-INF/signatures0.xml';
export const MANIFEST_FILE = 'META-INF/manifest.xml';

export const READ_LIMITS = {
  /** The whole upload. */
  containerBytes: 5 * 1024 * 1024,
  /** Any one entry, unpacked. */
  entryBytes: 5 * 1024 * 1024,
  /** All entries, unpacked. */
  totalBytes: 10 * 1024 * 1024,
  entries: 32,
};

function manifestXml(objects: readonly DataObject[]): string {
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n` +
    `<manifest:manifest xmlns:manifest="${NS.manifest}" manifest:version="1.2">\n` +
    ` <manifest:file-entry manifest:full-path="/" manifest:media-type="${ASICE_MIMETYPE}"/>\n` +
    objects
      .map((o) => ` <manifest:file-entry manifest:full-path="${escapeAttribute(o.name)}" manifest:media-type="${escapeAttribute(o.mimeType)}"/>\n`)
      .join('') +
    `</manifest:manifest>\n`
  );
}

/** Packs data files and their signature into an .edoc. */
export function buildAsice(objects: readonly DataObject[], signatureXml: string, modified: Date): Uint8Array {
  const entries: Zippable = {};
  // Made on Unix with ordinary file permissions: unzip then takes the UTF-8 names as they are, not as DOS code page.
  const entry = (level: 0 | 6) => ({ level, mtime: modified, os: 3, attrs: 0o100644 << 16 });
  entries['mimetype'] = [new TextEncoder().encode(ASICE_MIMETYPE), entry(0)];
  for (const o of objects) entries[o.name] = [o.bytes, entry(o.mimeType === 'application/pdf' ? 0 : 6)];
  entries[MANIFEST_FILE] = [new TextEncoder().encode(manifestXml(objects)), entry(6)];
  entries[SIGNATURE_FILE] = [new TextEncoder().encode(signatureXml), entry(6)];
  return zipSync(entries);
}

export type ContainerProblem =
  | 'too-large'
  | 'not-a-zip'
  | 'mimetype-not-first'
  | 'mimetype-compressed'
  | 'mimetype-extra-field'
  | 'wrong-mimetype'
  | 'unsafe-entry-name'
  | 'too-many-entries'
  | 'entry-too-large'
  | 'no-signature'
  | 'no-manifest'
  | 'duplicate-entry';

export class ContainerError extends Error {
  constructor(readonly problem: ContainerProblem) {
    super(`not an acceptable ASiC-E container: ${problem}`);
    this.name = 'ContainerError';
  }
}

export interface OpenedContainer {
  /** Data files by name (everything outside META-INF/ and the mimetype). */
  files: Map<string, Uint8Array>;
  /** Every `META-INF/*signatures*.xml`, in the container's order. */
  signatures: { name: string; xml: string }[];
  manifestXml: string;
}

/** Entry names that could escape a folder or confuse a file system are refused outright. */
export function isSafeEntryName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith('/') &&
    !name.includes('\\') &&
    !name.includes('\0') &&
    !/^[a-zA-Z]:/.test(name) &&
    !name.split('/').some((segment) => segment === '..' || segment === '.')
  );
}

/** Where the media type starts: right after a 30-byte local header and the 8-byte name, with no extra field. */
const MIMETYPE_AT = 30 + 'mimetype'.length;

/**
 * The first local file header must be a stored `mimetype` entry without an extra field, so that the bytes
 * `mimetypeapplication/vnd.etsi.asic-e+zip` stand at offset 30: the "magic number" by which tools recognise an
 * ASiC container without unzipping it (EN 319 162-1, A.1).
 */
function checkMimetypeFirst(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 30 || view.getUint32(0, true) !== 0x04034b50) throw new ContainerError('not-a-zip');
  const method = view.getUint16(8, true);
  const nameLength = view.getUint16(26, true);
  const extraLength = view.getUint16(28, true);
  const name = new TextDecoder().decode(bytes.subarray(30, 30 + nameLength));
  if (name !== 'mimetype') throw new ContainerError('mimetype-not-first');
  if (method !== 0) throw new ContainerError('mimetype-compressed');
  if (extraLength !== 0) throw new ContainerError('mimetype-extra-field');
  if (new TextDecoder().decode(bytes.subarray(MIMETYPE_AT, MIMETYPE_AT + ASICE_MIMETYPE.length)) !== ASICE_MIMETYPE) {
    throw new ContainerError('wrong-mimetype');
  }
}

/** ASiC-E signature files: any name in META-INF/ containing "signatures" (ours, the national edoc-signatures-S1…). */
export function isSignatureFile(name: string): boolean {
  return /^META-INF\/[^/]*signatures[^/]*\.xml$/.test(name);
}

export function openAsice(bytes: Uint8Array, limits = READ_LIMITS): OpenedContainer {
  if (bytes.length > limits.containerBytes) throw new ContainerError('too-large');
  checkMimetypeFirst(bytes);
  let entries: ZipEntry[];
  try {
    entries = listZipEntries(bytes);
  } catch {
    throw new ContainerError('not-a-zip');
  }
  // The whole directory is judged before any entry is inflated; the declared sizes only allow an early refusal.
  let declaredTotal = 0;
  const names = new Set<string>();
  let problem: ContainerProblem | undefined;
  entries.forEach((entry, index) => {
    declaredTotal += entry.declaredSize;
    // Two entries of one name: tools disagree on which one they show, so the signed one could hide another.
    if (names.has(entry.name)) problem ??= 'duplicate-entry';
    names.add(entry.name);
    if (!isSafeEntryName(entry.name)) problem ??= 'unsafe-entry-name';
    else if (index >= limits.entries) problem ??= 'too-many-entries';
    else if (entry.declaredSize > limits.entryBytes || declaredTotal > limits.totalBytes) problem ??= 'entry-too-large';
  });
  if (problem) throw new ContainerError(problem);

  // The real sizes: inflation stops as soon as an entry, or all of them together, passes its limit.
  const unzipped = new Map<string, Uint8Array>();
  let total = 0;
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    let content: Uint8Array;
    try {
      content = readZipEntry(bytes, entry, Math.min(limits.entryBytes, limits.totalBytes - total));
    } catch (error) {
      if (error instanceof ZipError) throw new ContainerError(error.problem);
      throw error;
    }
    total += content.length;
    unzipped.set(entry.name, content);
  }

  // The central directory must agree that the mimetype comes first, and it must hold exactly the media type.
  if (entries[0]?.name !== 'mimetype' || entries[0].localHeaderOffset !== 0) throw new ContainerError('mimetype-not-first');
  if (new TextDecoder().decode(unzipped.get('mimetype')) !== ASICE_MIMETYPE) throw new ContainerError('wrong-mimetype');

  const files = new Map<string, Uint8Array>();
  const signatures: { name: string; xml: string }[] = [];
  for (const [name, data] of unzipped) {
    if (name === 'mimetype' || name === MANIFEST_FILE) continue;
    if (name.startsWith('META-INF/')) {
      if (isSignatureFile(name)) signatures.push({ name, xml: new TextDecoder().decode(data) });
      continue;
    }
    files.set(name, data);
  }
  if (signatures.length === 0) throw new ContainerError('no-signature');
  const manifest = unzipped.get(MANIFEST_FILE);
  if (!manifest) throw new ContainerError('no-manifest');
  return { files, signatures, manifestXml: new TextDecoder().decode(manifest) };
}
