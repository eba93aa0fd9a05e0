/**
 * Reading ZIP files we did not write (.edoc uploads, score XLSX files). Everything a ZIP says about itself is a
 * claim: the sizes in its central directory and local headers cost nothing to forge, so a few megabytes can
 * declare a thousand bytes and inflate to gigabytes. Entries are therefore inflated piece by piece, counting the
 * bytes actually produced, and given up the moment an entry or the whole passes its limit.
 */
import { Inflate } from 'fflate';

export interface UnzipLimits {
  /** Entries in the central directory. */
  entries: number;
  /** Any one entry, unpacked. */
  entryBytes: number;
  /** All entries, unpacked. */
  totalBytes: number;
}

export type ZipProblem = 'not-a-zip' | 'too-many-entries' | 'entry-too-large' | 'duplicate-entry';

export class ZipError extends Error {
  constructor(
    readonly problem: ZipProblem,
    /** For 'entry-too-large': the limit that was passed, in bytes. */
    readonly limit?: number,
  ) {
    super(`unacceptable ZIP file: ${problem}`);
    this.name = 'ZipError';
  }
}

/** Inflation stopped because it produced more than it was allowed to. */
export class InflateLimitError extends ZipError {
  constructor(
    limit: number,
    /** What had been produced when it stopped: over the limit by less than one step (see MAX_STEP_OUTPUT). */
    readonly produced: number,
  ) {
    super('entry-too-large', limit);
    this.name = 'InflateLimitError';
  }
}

/** One central directory record. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated; anything else is refused when the entry is read. */
  method: number;
  flags: number;
  compressedSize: number;
  /** The size the directory claims: good for an early refusal, never for a bound. */
  declaredSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_LENGTH = 22;
const UTF8_NAME_FLAG = 0x0800;
const ENCRYPTED_FLAG = 0x0001;
/** ZIP64 puts this in a 32-bit field and the real value elsewhere; nothing we accept is large enough to need it. */
const ZIP64_MARK = 0xffffffff;

function decodeName(bytes: Uint8Array, flags: number): string {
  // Without the UTF-8 flag a name is in the DOS code page; read as Latin-1, as fflate did before.
  return flags & UTF8_NAME_FLAG ? new TextDecoder().decode(bytes) : Buffer.from(bytes).toString('latin1');
}

/** The central directory, in its order. Throws ZipError('not-a-zip') for anything we cannot follow exactly. */
export function listZipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const notZip = () => new ZipError('not-a-zip');
  let eocd = -1;
  // The end record sits at the very end, unless a comment (at most 65535 bytes) follows it.
  for (let i = bytes.length - EOCD_LENGTH; i >= Math.max(0, bytes.length - EOCD_LENGTH - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw notZip();
  const disk = view.getUint16(eocd + 4, true);
  const directoryDisk = view.getUint16(eocd + 6, true);
  const onThisDisk = view.getUint16(eocd + 8, true);
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (disk !== 0 || directoryDisk !== 0 || onThisDisk !== count || count === 0xffff || directoryOffset === ZIP64_MARK) throw notZip();
  const directoryEnd = directoryOffset + directorySize;
  if (directoryEnd > eocd) throw notZip();

  const entries: ZipEntry[] = [];
  let p = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > directoryEnd || view.getUint32(p, true) !== CENTRAL_SIGNATURE) throw notZip();
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const declaredSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localHeaderOffset = view.getUint32(p + 42, true);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > directoryEnd || compressedSize === ZIP64_MARK || localHeaderOffset === ZIP64_MARK) throw notZip();
    entries.push({
      name: decodeName(bytes.subarray(p + 46, p + 46 + nameLength), flags),
      method,
      flags,
      compressedSize,
      declaredSize,
      localHeaderOffset,
    });
    p = next;
  }
  return entries;
}

/** The entry's compressed bytes, after a local header that must agree with the directory on the name. */
function entryData(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw new ZipError('not-a-zip');
  const nameLength = view.getUint16(at + 26, true);
  const extraLength = view.getUint16(at + 28, true);
  const start = at + 30 + nameLength + extraLength;
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new ZipError('not-a-zip');
  // A local name other than the directory's is how one archive shows different files to different tools.
  if (decodeName(bytes.subarray(at + 30, at + 30 + nameLength), view.getUint16(at + 6, true)) !== entry.name) throw new ZipError('not-a-zip');
  return bytes.subarray(start, end);
}

/** Deflate's densest code turns 2 bits into 258 bytes: no byte of input inflates to more than 1032 bytes. */
const MAX_DEFLATE_RATIO = 1032;
/** Input handed to the inflater at once, so at most about 1 MB is ever produced past a limit … */
const MIN_STEP_INPUT = 1024;
/** … and, while far from the limit, few enough steps that ordinary files are not slowed down. */
const MAX_STEP_INPUT = 64 * 1024;
/**
 * About the most one step can produce (a stored block still waiting for its end adds its own size, at most 64 KB):
 * how far past its limit inflation can get before it stops.
 */
export const MAX_STEP_OUTPUT = MIN_STEP_INPUT * MAX_DEFLATE_RATIO;

/**
 * Inflates raw DEFLATE data, producing at most `limit` bytes. Throws InflateLimitError as soon as the output
 * passes the limit, and ZipError('not-a-zip') for data that is not a complete DEFLATE stream.
 */
export function inflateBounded(compressed: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let produced = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    produced += chunk.length;
    if (produced <= limit) chunks.push(chunk);
    if (final) ended = true;
  });
  let at = 0;
  try {
    while (at < compressed.length && !ended) {
      // Far from the limit a larger step cannot reach it; near it, one step may pass it by MAX_STEP_OUTPUT at most.
      const step = Math.min(MAX_STEP_INPUT, Math.max(MIN_STEP_INPUT, Math.floor((limit - produced) / MAX_DEFLATE_RATIO)));
      const end = Math.min(compressed.length, at + step);
      inflater.push(compressed.subarray(at, end), end === compressed.length);
      at = end;
      if (produced > limit) throw new InflateLimitError(limit, produced);
    }
  } catch (error) {
    if (error instanceof ZipError) throw error;
    throw new ZipError('not-a-zip');
  }
  if (!ended) throw new ZipError('not-a-zip');
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(produced);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * One entry's content, at most `limit` bytes of it whatever the entry claims. Inflation also stops just past the
 * size the entry declares: content larger than its claim is refused as too large there and then, content
 * smaller than its claim as damaged.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, limit: number): Uint8Array {
  if (entry.flags & ENCRYPTED_FLAG) throw new ZipError('not-a-zip');
  const data = entryData(bytes, entry);
  const allowed = Math.min(limit, entry.declaredSize);
  let content: Uint8Array;
  if (entry.method === 0) {
    content = data;
  } else if (entry.method === 8) {
    try {
      content = inflateBounded(data, allowed);
    } catch (error) {
      if (error instanceof InflateLimitError) throw new ZipError('entry-too-large', limit);
      throw error;
    }
  } else {
    throw new ZipError('not-a-zip');
  }
  if (content.length > allowed) throw new ZipError('entry-too-large', limit);
  if (content.length !== entry.declaredSize) throw new ZipError('not-a-zip');
  return content;
}

/**
 * Every file entry (folders left out) in directory order, within `limits`. Declared sizes over a limit are
 * refused before anything is inflated; actual sizes are held to the limits while inflating.
 */
export function unzipBounded(bytes: Uint8Array, limits: UnzipLimits): Array<[name: string, content: Uint8Array]> {
  const entries = listZipEntries(bytes);
  if (entries.length > limits.entries) throw new ZipError('too-many-entries');
  const names = new Set<string>();
  let declared = 0;
  for (const entry of entries) {
    if (names.has(entry.name)) throw new ZipError('duplicate-entry');
    names.add(entry.name);
    declared += entry.declaredSize;
    if (entry.declaredSize > limits.entryBytes) throw new ZipError('entry-too-large', limits.entryBytes);
    if (declared > limits.totalBytes) throw new ZipError('entry-too-large', limits.totalBytes);
  }
  const files: Array<[string, Uint8Array]> = [];
  let total = 0;
  for (const entry of entries) {
    if (entry.name.endsWith('/')) continue;
    const totalBinds = limits.totalBytes - total < limits.entryBytes;
    try {
      const content = readZipEntry(bytes, entry, totalBinds ? limits.totalBytes - total : limits.entryBytes);
      total += content.length;
      files.push([entry.name, content]);
    } catch (error) {
      if (error instanceof ZipError && error.problem === 'entry-too-large')
        throw new ZipError('entry-too-large', totalBinds ? limits.totalBytes : limits.entryBytes);
      throw error;
    }
  }
  return files;
}
