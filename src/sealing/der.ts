/**
 * DER by hand: reading the fields of small fixed-shape ASN.1 structures and writing them. Hot paths (requesting
 * a time stamp or an OCSP response, the development TSA and OCSP responder answering them) take a few fields from
 * such structures, which asn1js's generic schema matching makes a hundred times slower; thorough parsing of
 * anything else stays with pkijs.
 */

/** Identifier octets (universal class unless named context). */
export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  enumerated: 0x0a,
  utf8String: 0x0c,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  context0: 0x80,
  context1: 0x81,
  context2: 0x82,
  context0Constructed: 0xa0,
  context1Constructed: 0xa1,
  context2Constructed: 0xa2,
  context4Constructed: 0xa4,
} as const;

/** One element as read: its identifier octet, its content and its whole encoding (views into the input). */
export interface DerElement {
  tag: number;
  content: Uint8Array;
  encoded: Uint8Array;
}

/**
 * `der` reads only DER lengths (definite, minimal), for input that must be DER (a TimeStampReq, RFC 3161 §3.4).
 * `ber` also takes non-minimal and indefinite lengths and constructed strings, as some peers send.
 */
export type DerRules = 'der' | 'ber';

const MAX_NESTING = 64;

/** The one element that `bytes` holds, with nothing after it; with `tag`, it must have that tag. */
export function readSingleDer(bytes: Uint8Array, rules: DerRules, tag?: number, what = 'value'): DerElement {
  const { element, end } = readDerAt(bytes, 0, rules, 0);
  if (end !== bytes.byteLength) throw new SyntaxError(`${what}: ${bytes.byteLength - end} bytes after the end`);
  if (tag !== undefined && element.tag !== tag) throw new SyntaxError(`${what}: tag ${element.tag}, not ${tag}`);
  return element;
}

/** The elements that make up `content`, in order. */
export function readDerChildren(content: Uint8Array, rules: DerRules): DerElement[] {
  const children: DerElement[] = [];
  for (let at = 0; at < content.byteLength;) {
    const { element, end } = readDerAt(content, at, rules, 0);
    children.push(element);
    at = end;
  }
  return children;
}

interface DerRead {
  element: DerElement;
  /** Where the next element begins. */
  end: number;
}

function readDerAt(bytes: Uint8Array, start: number, rules: DerRules, depth: number): DerRead {
  const tag = bytes[start];
  const first = bytes[start + 1];
  if (tag === undefined || first === undefined) throw new SyntaxError('truncated');
  if ((tag & 0x1f) === 0x1f) throw new SyntaxError('high tag numbers do not occur here');
  if (first === 0x80) return readIndefiniteAt(bytes, start, rules, depth);
  let length = first;
  let at = start + 2;
  if (first > 0x80) {
    const count = first & 0x7f;
    if (count > 4 || at + count > bytes.byteLength) throw new SyntaxError('length out of range');
    length = 0;
    for (const byte of bytes.subarray(at, at + count)) length = length * 256 + byte;
    if (rules === 'der' && (length < 0x80 || bytes[at] === 0)) throw new SyntaxError('length not in DER form');
    at += count;
  }
  const end = at + length;
  if (end > bytes.byteLength) throw new SyntaxError('truncated');
  return { element: { tag, content: bytes.subarray(at, end), encoded: bytes.subarray(start, end) }, end };
}

/** A constructed element of indefinite length (BER): its content runs up to an end-of-contents marker. */
function readIndefiniteAt(bytes: Uint8Array, start: number, rules: DerRules, depth: number): DerRead {
  const tag = bytes[start]!;
  if (rules === 'der' || !(tag & 0x20)) throw new SyntaxError('indefinite length');
  if (depth >= MAX_NESTING) throw new SyntaxError('nested too deeply');
  let at = start + 2;
  while (bytes[at] !== 0 || bytes[at + 1] !== 0) {
    if (at >= bytes.byteLength) throw new SyntaxError('truncated');
    at = readDerAt(bytes, at, rules, depth + 1).end;
  }
  const content = bytes.subarray(start + 2, at);
  return { element: { tag, content, encoded: bytes.subarray(start, at + 2) }, end: at + 2 };
}

/** Walks the fields of a SEQUENCE in order, for schemas whose optional fields have distinct tags. */
export class DerFields {
  private readonly children: DerElement[];
  private index = 0;

  constructor(
    sequence: DerElement,
    private readonly what: string,
    private readonly rules: DerRules = 'ber',
  ) {
    this.children = readDerChildren(sequence.content, rules);
  }

  /** The fields of the one SEQUENCE that `bytes` holds. */
  static read(bytes: Uint8Array, what: string, rules: DerRules = 'ber'): DerFields {
    return new DerFields(readSingleDer(bytes, rules, Tag.sequence, what), what, rules);
  }

  required(tag: number, name: string): DerElement {
    const element = this.optional(tag);
    if (!element) throw new SyntaxError(`${this.what}: ${name} is missing`);
    return element;
  }

  /** The fields of the next field, a SEQUENCE. */
  sequence(name: string): DerFields {
    return new DerFields(this.required(Tag.sequence, name), name, this.rules);
  }

  optional(tag: number): DerElement | undefined {
    const element = this.children[this.index];
    if (element?.tag !== tag) return undefined;
    this.index++;
    return element;
  }

  end(): void {
    if (this.index !== this.children.length) throw new SyntaxError(`${this.what}: unexpected field ${this.index + 1}`);
  }
}

/** The value of an INTEGER that fits in 32 bits. */
export function readSmallInteger(element: DerElement): number {
  const bytes = element.content;
  if (bytes.byteLength === 0 || bytes.byteLength > 4) throw new SyntaxError('INTEGER out of range');
  let value = (bytes[0]! << 24) >> 24; // sign-extended
  for (const byte of bytes.subarray(1)) value = value * 256 + byte;
  return value;
}

/** The dotted form of an OBJECT IDENTIFIER. */
export function readOid(element: DerElement): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of element.content) {
    if (value === 0 && byte === 0x80) throw new SyntaxError('OBJECT IDENTIFIER not in DER form');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new SyntaxError('OBJECT IDENTIFIER arc too large');
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  if (arcs.length === 0 || value !== 0) throw new SyntaxError('truncated OBJECT IDENTIFIER');
  return arcs.join('.');
}

/** The octets of an OCTET STRING, primitive or (BER) constructed from segments. */
export function readOctetString(element: DerElement): Uint8Array {
  if (element.tag === Tag.octetString) return element.content;
  if (element.tag !== (Tag.octetString | 0x20)) throw new SyntaxError(`tag ${element.tag} is not an OCTET STRING`);
  return Buffer.concat(readDerChildren(element.content, 'ber').map(readOctetString));
}

export function readUtf8String(element: DerElement): string {
  if (element.tag !== Tag.utf8String) throw new SyntaxError(`tag ${element.tag} is not a UTF8String`);
  return new TextDecoder().decode(element.content);
}

/** The DER of one element: `tag`, the definite length, then the concatenated `contents`. */
export function encodeDer(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.byteLength;
  const header = derHeaderLength(length);
  const out = new Uint8Array(header + length);
  out[0] = tag;
  if (header === 2) out[1] = length;
  else {
    out[1] = 0x80 | (header - 2);
    for (let i = header - 1, rest = length; i >= 2; i--, rest >>>= 8) out[i] = rest & 0xff;
  }
  let at = header;
  for (const part of contents) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

function derHeaderLength(length: number): number {
  if (length < 0x80) return 2;
  if (length < 0x100) return 3;
  if (length < 0x10000) return 4;
  if (length < 0x1000000) return 5;
  return 6;
}

/** The DER of an OBJECT IDENTIFIER given in dotted form. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((arc) => !Number.isSafeInteger(arc) || arc < 0) || arcs[0]! > 2) {
    throw new TypeError(`${dotted} is not an object identifier`);
  }
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) groups.unshift((rest % 128) | 0x80);
    bytes.push(...groups);
  }
  return encodeDer(Tag.oid, Uint8Array.from(bytes));
}

/** The content octets of a non-negative INTEGER (minimal, with a leading zero when the top bit is set). */
export function integerContent(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${value} is not a non-negative integer`);
  const bytes = [value % 256];
  for (let rest = Math.floor(value / 256); rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Uint8Array.from(bytes);
}

/** DER GeneralizedTime content: UTC, seconds always, fraction only when not zero and without trailing zeros. */
export function generalizedTimeContent(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`${iso} is outside GeneralizedTime`);
  const fraction = iso.slice(20, 23).replace(/0+$/, '');
  const text = `${iso.slice(0, 19).replace(/[-T:]/g, '')}${fraction ? `.${fraction}` : ''}Z`;
  return new TextEncoder().encode(text);
}

/** The content of a SET OF: DER orders it by the encodings of its elements (verifiers re-encode before checking). */
export function sortedSetContent(elements: Uint8Array[]): Uint8Array {
  return Buffer.concat([...elements].sort(Buffer.compare));
}

/** AlgorithmIdentifier without parameters (as for SHA-2, RFC 5754, and ECDSA, RFC 5758). */
export function algorithmIdentifier(oid: string): Uint8Array {
  return encodeDer(Tag.sequence, encodeOid(oid));
}

/** The time of a GeneralizedTime element in UTC form (YYYYMMDDHHMMSS, an optional fraction, Z). */
export function readGeneralizedTime(element: DerElement): Date {
  if (element.tag !== Tag.generalizedTime) throw new SyntaxError(`tag ${element.tag} is not a GeneralizedTime`);
  const text = new TextDecoder().decode(element.content);
  const match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!match) throw new SyntaxError(`GeneralizedTime ${text} is not in UTC form`);
  const [, year, month, day, hour, minute, second, fraction] = match;
  const millis = fraction ? Number(`${fraction}00`.slice(0, 3)) : 0;
  const time = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  if (Number.isNaN(time)) throw new SyntaxError(`GeneralizedTime ${text} is not a time`);
  return new Date(time);
}
