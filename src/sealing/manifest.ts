/**
 * Reading an ASiC-E container's ODF manifest (META-INF/manifest.xml, EN 319 162-1 A.1): the container's own
 * media type on the entry "/" and one entry with the media type of every data file. A file the manifest does not
 * list, or a listed file that is not there, means the container was put together by hand after sealing.
 */
import { ASICE_MIMETYPE } from './asic.js';
import { NS, childrenNS, parseXml, UnsafeXmlError } from './xml.js';

export type ManifestProblem = 'malformed' | 'container-type' | 'file-not-listed' | 'file-absent';

export class ManifestError extends Error {
  constructor(
    readonly problem: ManifestProblem,
    readonly file?: string,
  ) {
    super(`manifest: ${problem}${file ? ` (${file})` : ''}`);
    this.name = 'ManifestError';
  }
}

export interface Manifest {
  /** Media type of each listed data file, by name. */
  mediaTypes: Map<string, string>;
  /** Where the manifest and the files disagree (a file not listed, a listed file not there). */
  mismatches: ManifestError[];
}

/** Reads the manifest; throws ManifestError when it is unreadable or does not describe an ASiC-E container. */
export function readManifest(xml: string, files: ReadonlyMap<string, Uint8Array>): Manifest {
  let root;
  try {
    root = parseXml(xml).documentElement!;
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw new ManifestError('malformed');
    throw error;
  }
  if (root.namespaceURI !== NS.manifest || root.localName !== 'manifest') throw new ManifestError('malformed');
  const types = new Map<string, string>();
  let containerType: string | undefined;
  for (const entry of childrenNS(root, NS.manifest, 'file-entry')) {
    const path = entry.getAttributeNS(NS.manifest, 'full-path');
    const type = entry.getAttributeNS(NS.manifest, 'media-type');
    if (!path || type === null) throw new ManifestError('malformed');
    if (path === '/') {
      if (containerType !== undefined) throw new ManifestError('malformed');
      containerType = type;
      continue;
    }
    // Folders and META-INF itself carry no data of their own.
    if (path.endsWith('/') || path.startsWith('META-INF/')) continue;
    if (types.has(path) || type === '') throw new ManifestError('malformed');
    types.set(path, type);
  }
  if (containerType !== ASICE_MIMETYPE) throw new ManifestError('container-type');
  const mismatches = [
    ...[...files.keys()].filter((name) => !types.has(name)).map((name) => new ManifestError('file-not-listed', name)),
    ...[...types.keys()].filter((name) => !files.has(name)).map((name) => new ManifestError('file-absent', name)),
  ];
  return { mediaTypes: types, mismatches };
}
