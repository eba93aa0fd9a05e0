/**
 * Writes small MaxMind DB files (format 2.0) for tests, so a test decides which networks are in which country.
 * Only what a country database needs: an IPv6 search tree with IPv4 networks under ::/96 (where MaxMind's own
 * files keep them and where readers look for IPv4 addresses), 24-bit records, and in the data section maps,
 * arrays, strings, booleans and unsigned integers.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type MmdbValue = string | number | bigint | boolean | MmdbValue[] | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `85.254.0.0/16` or `2001:1bf8::/32`. */
  network: string;
  data: MmdbValue;
}

export interface MmdbOptions {
  buildEpoch?: Date;
  databaseType?: string;
}

/** A GeoLite2 / DB-IP style country record. */
export const country = (isoCode: string): MmdbValue => ({ country: { iso_code: isoCode, names: { en: isoCode } } });

function addressBytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  if (isIPv4(address)) {
    address.split('.').forEach((part, i) => (bytes[12 + i] = Number(part)));
    return bytes;
  }
  if (!isIPv6(address) || address.includes('.')) throw new Error(`not an address this writer takes: ${address}`);
  const [head = '', tail] = address.split('::');
  const groups = (text: string) => (text ? text.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

function networkBits(network: string): number[] {
  const [address = '', length = ''] = network.split('/');
  const prefix = Number(length) + (isIPv4(address) ? 96 : 0);
  const bytes = addressBytes(address);
  return Array.from({ length: prefix }, (_, i) => (bytes[i >> 3]! >> (7 - (i & 7))) & 1);
}

interface Leaf {
  data: MmdbValue;
}
interface TreeNode {
  children: [TreeNode | Leaf | undefined, TreeNode | Leaf | undefined];
}
const isLeaf = (child: TreeNode | Leaf | undefined): child is Leaf => child !== undefined && 'data' in child;

function control(type: number, size: number): number[] {
  const first = type <= 7 ? type << 5 : 0;
  const extended = type > 7 ? [type - 7] : [];
  if (size < 29) return [first | size, ...extended];
  if (size < 285) return [first | 29, ...extended, size - 29];
  if (size < 65_821) return [first | 30, ...extended, (size - 285) >> 8, (size - 285) & 0xff];
  const rest = size - 65_821;
  return [first | 31, ...extended, (rest >> 16) & 0xff, (rest >> 8) & 0xff, rest & 0xff];
}

function unsigned(value: bigint): number[] {
  const out: number[] = [];
  for (let v = value; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
  return out;
}

function encode(value: MmdbValue): number[] {
  if (typeof value === 'string') {
    const bytes = [...Buffer.from(value, 'utf8')];
    return [...control(2, bytes.length), ...bytes];
  }
  if (typeof value === 'boolean') return control(14, value ? 1 : 0);
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    const big = BigInt(value);
    const bytes = unsigned(big);
    const type = big < 0x1_0000n ? 5 : big < 0x1_0000_0000n ? 6 : 9;
    return [...control(type, bytes.length), ...bytes];
  }
  if (typeof value === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return [...control(3, 8), ...bytes];
  }
  if (Array.isArray(value)) return [...control(11, value.length), ...value.flatMap(encode)];
  const entries = Object.entries(value);
  return [...control(7, entries.length), ...entries.flatMap(([key, item]) => [...encode(key), ...encode(item)])];
}

/** The bytes of an MMDB file holding `networks` (which must not overlap). */
export function writeMmdb(networks: readonly MmdbNetwork[], options: MmdbOptions = {}): Buffer {
  const root: TreeNode = { children: [undefined, undefined] };
  for (const { network, data } of networks) {
    const bits = networkBits(network);
    let node = root;
    bits.forEach((bit, depth) => {
      const child = node.children[bit as 0 | 1];
      if (isLeaf(child)) throw new Error(`${network} overlaps another network`);
      if (depth === bits.length - 1) {
        if (child) throw new Error(`${network} overlaps another network`);
        node.children[bit as 0 | 1] = { data };
        return;
      }
      if (!child) node.children[bit as 0 | 1] = { children: [undefined, undefined] };
      node = node.children[bit as 0 | 1] as TreeNode;
    });
  }

  // Nodes numbered breadth first from the root (0).
  const nodes: TreeNode[] = [root];
  for (let i = 0; i < nodes.length; i++) {
    for (const child of nodes[i]!.children) if (child && !isLeaf(child)) nodes.push(child);
  }
  const numbers = new Map(nodes.map((node, i) => [node, i]));
  const nodeCount = nodes.length;

  const data: number[] = [];
  const offsets = new Map<string, number>();
  const dataOffset = (value: MmdbValue) => {
    const key = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    let offset = offsets.get(key);
    if (offset === undefined) {
      offset = data.length;
      offsets.set(key, offset);
      data.push(...encode(value));
    }
    return offset;
  };

  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((node, i) => {
    node.children.forEach((child, side) => {
      // A record is another node's number, nodeCount for "no data", or past both a pointer into the data section.
      const record = child === undefined ? nodeCount : isLeaf(child) ? nodeCount + 16 + dataOffset(child.data) : numbers.get(child)!;
      tree.writeUIntBE(record, i * 6 + side * 3, 3);
    });
  });

  const metadata = encode({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 6,
    database_type: options.databaseType ?? 'Test-Country',
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor((options.buildEpoch ?? new Date()).getTime() / 1000)),
    description: { en: 'test data' },
  });
  return Buffer.concat([tree, Buffer.alloc(16), Buffer.from(data), Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'), Buffer.from(metadata)]);
}
