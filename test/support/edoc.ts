/**
 * Test helpers for .edoc containers: a ZIP directory reader written from APPNOTE (independent of fflate, which
 * builds the containers), rebuilding a container after tampering, and running the independent validators
 * (`xmlsec1`, `openssl ts`) on it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';

// ---------------------------------------------------------------------------------------------------------------
// Reading a ZIP by hand

export interface ZipEntryInfo {
  /** The name decoded as UTF-8. */
  name: string;
  nameBytes: Uint8Array;
  /** General purpose flags of the central directory entry and of the local header. */
  centralFlags: number;
  localFlags: number;
  /** Compression method of the central directory entry and of the local header (0 stored, 8 deflated). */
  centralMethod: number;
  localMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  localExtraLength: number;
  /** Where the entry's (compressed) data starts. */
  dataOffset: number;
}

export const UTF8_NAME_FLAG = 0x0800;

/** The entries of a ZIP in central-directory order, each checked against its local header. */
export function readZipDirectory(bytes: Uint8Array): ZipEntryInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no end of central directory record');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const entries: ZipEntryInfo[] = [];
  for (let i = 0; i < count; i++) {
    if (view.getUint32(p, true) !== 0x02014b50) throw new Error(`bad central directory header ${i}`);
    const centralFlags = view.getUint16(p + 8, true);
    const centralMethod = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localHeaderOffset = view.getUint32(p + 42, true);
    const nameBytes = bytes.slice(p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;

    const l = localHeaderOffset;
    if (view.getUint32(l, true) !== 0x04034b50) throw new Error(`bad local header ${i}`);
    const localNameLength = view.getUint16(l + 26, true);
    const localExtraLength = view.getUint16(l + 28, true);
    const localName = bytes.subarray(l + 30, l + 30 + localNameLength);
    if (Buffer.compare(Buffer.from(localName), Buffer.from(nameBytes)) !== 0) throw new Error(`local and central names differ (${i})`);
    entries.push({
      name: new TextDecoder('utf-8', { fatal: true }).decode(nameBytes),
      nameBytes,
      centralFlags,
      localFlags: view.getUint16(l + 6, true),
      centralMethod,
      localMethod: view.getUint16(l + 8, true),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
      localExtraLength,
      dataOffset: l + 30 + localNameLength + localExtraLength,
    });
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------------------------
// Rebuilding containers

export type ZipEntries = Array<[name: string, data: Uint8Array]>;

/** The entries of a ZIP, in their order (fflate keeps the central directory's order). */
export function unzipEntries(bytes: Uint8Array): ZipEntries {
  return Object.entries(unzipSync(bytes));
}

/**
 * Packs entries in the given order; `mimetype` is stored (unless `compressMimetype`), everything else deflated
 * (level 0 where `stored` names it).
 */
export function zipEntries(entries: ZipEntries, options: { compressMimetype?: boolean; stored?: (name: string) => boolean } = {}): Uint8Array {
  const zippable: Zippable = {};
  for (const [name, data] of entries) {
    const level = name === 'mimetype' ? (options.compressMimetype ? 9 : 0) : options.stored?.(name) ? 0 : 6;
    zippable[name] = [data, { level }];
  }
  const bytes = zipSync(zippable);
  const order = readZipDirectory(bytes).map((e) => e.name);
  if (order.join('\n') !== entries.map(([name]) => name).join('\n')) throw new Error(`fflate reordered the entries: ${order.join(', ')}`);
  return bytes;
}

export const SIGNATURE_ENTRY = 'META-INF/signatures0.xml';

/** The container with its signature file rewritten by `edit`; fails when the edit changed nothing. */
export function editSignatureXml(edoc: Uint8Array, edit: (xml: string) => string): Uint8Array {
  return editEntries(edoc, (entries) =>
    entries.map(([name, data]): [string, Uint8Array] => {
      if (name !== SIGNATURE_ENTRY) return [name, data];
      const xml = new TextDecoder().decode(data);
      const edited = edit(xml);
      if (edited === xml) throw new Error('the edit left the signature file as it was');
      return [name, new TextEncoder().encode(edited)];
    }),
  );
}

/** The container rebuilt from `edit(entries)`, PDFs stored as the sealing code stores them. */
export function editEntries(edoc: Uint8Array, edit: (entries: ZipEntries) => ZipEntries): Uint8Array {
  return zipEntries(edit(unzipEntries(edoc)), { stored: (name) => name.endsWith('.pdf') });
}

// ---------------------------------------------------------------------------------------------------------------
// Independent validators

export interface ToolResult {
  status: number | null;
  /** stdout and stderr together */
  output: string;
}

function run(command: string, args: string[], cwd?: string): ToolResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** Unpacks a container (our own fixtures only) into a fresh folder under `parent`. */
export function unpackTo(parent: string, edoc: Uint8Array): string {
  const dir = mkdtempSync(join(parent, 'unpacked-'));
  for (const [name, data] of unzipEntries(edoc)) {
    if (name.startsWith('/') || name.split('/').includes('..')) throw new Error(`refusing to unpack ${name}`);
    if (name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return dir;
}

const XADES_NS = 'http://uri.etsi.org/01903/v1.3.2#';

/**
 * `xmlsec1 --verify` of the container's signature file, run inside the unpacked container so that the relative
 * references resolve to the data files; trusting only the given root PEM files.
 */
export function xmlsec1Verify(workDir: string, edoc: Uint8Array, trustedPemFiles: string[], signatureEntry = SIGNATURE_ENTRY): ToolResult {
  const dir = unpackTo(workDir, edoc);
  return run(
    'xmlsec1',
    [
      '--verify',
      '--enabled-reference-uris',
      'same-doc,remote',
      '--id-attr:Id',
      `${XADES_NS}:SignedProperties`,
      ...trustedPemFiles.flatMap((file) => ['--trusted-pem', file]),
      signatureEntry,
    ],
    dir,
  );
}

/** `openssl ts -verify` of a DER time-stamp token against a SHA-256 digest (hex). */
export function opensslTsVerify(workDir: string, tokenDer: Uint8Array, digestHex: string, caFile: string, untrustedFile: string): ToolResult {
  const dir = mkdtempSync(join(workDir, 'ts-'));
  const tokenFile = join(dir, 'token.der');
  writeFileSync(tokenFile, tokenDer);
  return run('openssl', ['ts', '-verify', '-token_in', '-in', tokenFile, '-digest', digestHex, '-CAfile', caFile, '-untrusted', untrustedFile]);
}

// ---------------------------------------------------------------------------------------------------------------
// XML

interface LeafElement {
  tagName: string;
  prefix: string | null;
  namespaceURI: string | null;
  attributes: ArrayLike<{ name: string; value: string; namespaceURI: string | null }>;
  childNodes: ArrayLike<{ nodeType: number }>;
  textContent: string | null;
}

/**
 * Exclusive XML canonicalisation (https://www.w3.org/TR/xml-exc-c14n/) of an element whose only content is text
 * and whose attributes are in no namespace, written from the specification: the element's own namespace is
 * declared on it (the only visibly utilised one), attributes are sorted, text and attribute values escaped.
 */
export function excC14nOfLeaf(element: LeafElement): string {
  for (let i = 0; i < element.childNodes.length; i++) {
    if (element.childNodes[i]!.nodeType !== 3) throw new Error(`${element.tagName} has non-text content`);
  }
  const attributes = Array.from(element.attributes).filter((a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'));
  if (attributes.some((a) => a.namespaceURI)) throw new Error(`${element.tagName} has namespaced attributes`);
  const ns = element.namespaceURI ? (element.prefix ? ` xmlns:${element.prefix}="${element.namespaceURI}"` : ` xmlns="${element.namespaceURI}"`) : '';
  const escapeAttr = (v: string) =>
    v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;');
  const escapeText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
  const attrs = attributes
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((a) => ` ${a.name}="${escapeAttr(a.value)}"`)
    .join('');
  return `<${element.tagName}${ns}${attrs}>${escapeText(element.textContent ?? '')}</${element.tagName}>`;
}

/**
 * The container zipped anew as another tool might: the same entries, mimetype first and stored, the others in
 * reverse order and all deflated (the PDF too, which the sealing code stores).
 */
export function rezip(edoc: Uint8Array): Uint8Array {
  const [mimetype, ...rest] = unzipEntries(edoc);
  if (mimetype?.[0] !== 'mimetype') throw new Error('the container does not start with its mimetype');
  return zipEntries([mimetype, ...rest.reverse()]);
}

/**
 * A later version of a sealed B-T document, as an upgrade makes it: one unsigned signature property more (here
 * xades:CertificateValues with the certificates its KeyInfo carries), the signature itself untouched.
 */
export function withCertificateValues(edoc: Uint8Array): Uint8Array {
  return editSignatureXml(edoc, (xml) => {
    const certificates = [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!);
    const values = `<xades:CertificateValues>${certificates.map((c) => `<xades:EncapsulatedX509Certificate>${c}</xades:EncapsulatedX509Certificate>`).join('')}</xades:CertificateValues>`;
    if (!xml.includes('</xades:UnsignedSignatureProperties>')) throw new Error('not a B-T signature');
    return xml.replace('</xades:UnsignedSignatureProperties>', `${values}</xades:UnsignedSignatureProperties>`);
  });
}
