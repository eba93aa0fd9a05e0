/**
 * ZIP files that lie about their sizes, written by hand (APPNOTE 4.3) for the tests of bounded unpacking: runs of
 * zeros, deflated, whose central directory and local headers claim whatever size the test chooses.
 */
import { constants, createDeflateRaw } from 'node:zlib';

const MIB = 1024 * 1024;

/** A piece of content to deflate: bytes, or the same bytes many times over (never held whole in memory). */
export type Piece = Uint8Array | { repeat: Uint8Array; times: number };

/**
 * Raw DEFLATE data of the pieces one after another: one stream, as a ZIP tool writes it (no stored blocks
 * between the pieces). Run-length matching deflates a gigabyte of one repeated byte in a fraction of a second,
 * to about 1 KB per MiB.
 */
export async function deflatePieces(pieces: readonly Piece[]): Promise<Uint8Array> {
  const deflate = createDeflateRaw({ level: 9, memLevel: 9, strategy: constants.Z_RLE });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  const write = async (bytes: Uint8Array) => {
    if (!deflate.write(bytes)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  for (const piece of pieces) {
    if (piece instanceof Uint8Array) await write(piece);
    else for (let i = 0; i < piece.times; i++) await write(piece.repeat);
  }
  deflate.end();
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Raw DEFLATE data inflating to `mebibytes` MiB of zeros. */
export function deflatedZeros(mebibytes: number): Promise<Uint8Array> {
  return deflatePieces([{ repeat: new Uint8Array(MIB), times: mebibytes }]);
}

export interface ZipEntrySpec {
  name: string;
  /** The entry's data as stored: raw DEFLATE when `deflated`, the content itself otherwise. */
  data: Uint8Array;
  deflated: boolean;
  /** The uncompressed size the local header and the central directory claim. */
  declaredSize: number;
}

/** A ZIP of the entries in order, each header claiming the entry's `declaredSize`. CRCs are left 0: nothing we test reads them. */
export function writeZip(entries: readonly ZipEntrySpec[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const method = entry.deflated ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(entry.data));
    centrals.push(central, name);
    offset += 30 + name.length + entry.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

/**
 * A valid-looking .edoc: the stored `mimetype` first, the genuine-looking rest given, then `bombs` entries of
 * `mebibytes` MiB of zeros each, deflated, every one claiming to be 1,000 bytes.
 */
export async function lyingAsice(options: { bombs: number; mebibytes: number; rest?: readonly ZipEntrySpec[] }): Promise<Uint8Array> {
  const mimetype = new TextEncoder().encode('application/vnd.etsi.asic-e+zip');
  const zeros = await deflatedZeros(options.mebibytes);
  return writeZip([
    { name: 'mimetype', data: mimetype, deflated: false, declaredSize: mimetype.length },
    ...(options.rest ?? []),
    ...Array.from({ length: options.bombs }, (_, i) => ({ name: `data-${i + 1}.bin`, data: zeros, deflated: true, declaredSize: 1000 })),
  ]);
}
