/**
 * The certificate as a one-page A4 PDF, written by hand.
 *
 * Why not pdfkit: it costs about 8 ms per document even with a cached font; sealing 150 certificates a second on
 * two cores (XML signing and zipping included) leaves well under a millisecond for the PDF. So the expensive work
 * happens once per process (or worker), when this module is loaded:
 *   - fontkit opens DejaVu Sans and DejaVu Sans Bold and subsets each to the glyphs a certificate can need
 *     (printable ASCII, the Latvian letters, a few punctuation marks, the non-breaking space);
 *   - the subsets lose their TrueType hinting (glyph instructions, fpgm, prep, cvt), which is more than half of
 *     their size and which PDF viewers and printers do not need to draw the outlines;
 *   - every object that is the same in every certificate (font programs, descriptors, ToUnicode maps) is
 *     deflated and serialised to bytes.
 * Per document only the content stream, the two CIDFont dictionaries (widths of the glyphs used), the Info
 * dictionary, the XMP metadata, the structure tree and the cross-reference table are written.
 *
 * Every line is printed in Latvian with its English translation beneath it, smaller (texts.ts holds both). With a
 * verification code the foot of the page carries a QR code of the verification address, the page to type and
 * the code.
 *
 * Built to be archived and read aloud: tagged (a structure tree in reading order, one element per paragraph,
 * English ones marked as such, the QR code a figure with a text alternative, frame and rules as artifacts), an
 * XMP packet with the PDF/A-2u identification agreeing with the Info dictionary, a file identifier, embedded
 * fonts with Unicode maps, and grey levels in a CIE-based default colour space, so that no output intent (ICC
 * profile) is needed.
 *
 * Text is shown with Type0 fonts (Identity-H, CIDFontType2, CIDToGIDMap Identity), so a string is the subset
 * glyph ids in hex; the ToUnicode maps let every letter be copied and extracted. A character the subset lacks is
 * refused with an UnsupportedCharacterError, never silently dropped.
 *
 * Same facts, same bytes: nothing in the file depends on the clock, which keeps sealed documents reproducible.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';
import { zlibSync } from 'fflate';
import QRCode from 'qrcode';
import type { CertificateFacts, CertificateKind, CertificateVerification } from './facts.js';
import { certificateTexts, type Bilingual, type CertificateTexts } from './texts.js';

// ---------------------------------------------------------------------------------------------------------------
// Character set

const NBSP = '\u00A0';

/** Every character a certificate can print, besides printable ASCII. */
const EXTRA_CHARACTERS = 'āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ–—„“”’№' + NBSP;

function certificateCodePoints(): number[] {
  const codePoints = new Set<number>();
  for (let cp = 0x20; cp <= 0x7e; cp++) codePoints.add(cp);
  // Latin-1 Supplement and Latin Extended-A: names of Lithuanian, Estonian and other European candidates
  // (ė, į, ų, õ, ä, ö, ü, ß, ł, ő …) besides the Latvian letters.
  for (let cp = 0xa1; cp <= 0x17f; cp++) if (cp !== 0xad) codePoints.add(cp);
  for (const ch of EXTRA_CHARACTERS) codePoints.add(ch.codePointAt(0)!);
  return [...codePoints];
}

/** Thrown when a text on the certificate has a character the certificate fonts cannot show. */
export class UnsupportedCharacterError extends Error {
  constructor(
    readonly character: string,
    readonly field: string,
  ) {
    const cp = character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    super(`The certificate cannot print the character "${character}" (U+${cp}) in ${field}: the certificate font has no glyph for it`);
    this.name = 'UnsupportedCharacterError';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Fonts (once per process)

interface FaceGlyph {
  readonly codePoint: number;
  /** Glyph id in the subset; with CIDToGIDMap Identity it is also the CID shown in the content stream. */
  readonly gid: number;
  /** Advance width in the 1000-unit text space of PDF fonts. */
  readonly width: number;
  /** The gid as four hex digits, ready for a <…> Tj string. */
  readonly hex: string;
}

interface Face {
  /** Resource name on the page: /F1, /F2. */
  readonly resource: string;
  /** Object number of the Type0 font; the CIDFont, descriptor, ToUnicode map and font program follow it. */
  readonly objectNumber: number;
  readonly baseFont: string;
  readonly byCodePoint: ReadonlyMap<number, FaceGlyph>;
  /** Advance widths (1000-unit em) by subset gid. */
  readonly widths: readonly number[];
  readonly spaceWidth: number;
  /** Serialised objects that never change: Type0 font, FontDescriptor, ToUnicode CMap, FontFile2. */
  readonly staticObjects: ReadonlyMap<number, Uint8Array>;
}

const require = createRequire(import.meta.url);

function loadFace(file: string, resource: string, objectNumber: number): Face {
  const opened = fontkit.openSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`));
  if (!('glyphForCodePoint' in opened)) throw new Error(`${file} is a font collection, not a single font`);
  const font = opened;
  const scale = 1000 / font.unitsPerEm;
  const toPdf = (units: number): number => Math.round(units * scale);

  const subset = font.createSubset();
  const byCodePoint = new Map<number, FaceGlyph>();
  const widths: number[] = [toPdf(font.getGlyph(0).advanceWidth)]; // .notdef, always gid 0 in the subset
  const codePointByGid = new Map<number, number>();
  for (const codePoint of certificateCodePoints()) {
    if (byCodePoint.has(codePoint)) continue;
    const glyph = font.glyphForCodePoint(codePoint);
    if (glyph.id === 0) throw new Error(`${file} has no glyph for U+${codePoint.toString(16).toUpperCase()}`);
    const gid = subset.includeGlyph(glyph.id);
    const width = toPdf(glyph.advanceWidth);
    widths[gid] = width;
    if (!codePointByGid.has(gid)) codePointByGid.set(gid, codePoint);
    byCodePoint.set(codePoint, { codePoint, gid, width, hex: gid.toString(16).toUpperCase().padStart(4, '0') });
  }

  const program = stripHinting(subset.encode());
  const digest = createHash('sha256').update(program).digest();
  let tag = '';
  for (let i = 0; i < 6; i++) tag += String.fromCharCode(65 + (digest[i]! % 26));
  const baseFont = `${tag}+${font.postscriptName}`;

  const heightOf = (ch: string): number => toPdf(font.glyphForCodePoint(ch.codePointAt(0)!).bbox.maxY);
  const weight = font['OS/2']?.usWeightClass ?? 400;
  // TrueType fonts carry no stem width; this is the usual estimate from the weight class (400 → 87, 700 → 165).
  const stemV = Math.round(50 + (weight / 65) ** 2);
  const italic = font.italicAngle !== 0;
  // Symbolic (4): the font has glyphs outside the Adobe standard Latin set (ā, č, …, №).
  const flags = (font.post?.isFixedPitch ? 1 : 0) | 4 | (italic ? 64 : 0);
  const bbox = font.bbox;

  const type0 = objectNumber;
  const cidFont = objectNumber + 1;
  const descriptor = objectNumber + 2;
  const toUnicode = objectNumber + 3;
  const fontFile = objectNumber + 4;

  const staticObjects = new Map<number, Uint8Array>();
  staticObjects.set(
    type0,
    pdfObject(
      type0,
      `<< /Type /Font /Subtype /Type0 /BaseFont /${baseFont} /Encoding /Identity-H /DescendantFonts [${cidFont} 0 R] /ToUnicode ${toUnicode} 0 R >>`,
    ),
  );
  staticObjects.set(
    descriptor,
    pdfObject(
      descriptor,
      `<< /Type /FontDescriptor /FontName /${baseFont} /Flags ${flags}` +
        ` /FontBBox [${Math.floor(bbox.minX * scale)} ${Math.floor(bbox.minY * scale)} ${Math.ceil(bbox.maxX * scale)} ${Math.ceil(bbox.maxY * scale)}]` +
        ` /ItalicAngle ${font.italicAngle} /Ascent ${toPdf(font.ascent)} /Descent ${toPdf(font.descent)}` +
        ` /CapHeight ${heightOf('H')} /XHeight ${heightOf('x')} /StemV ${stemV} /FontFile2 ${fontFile} 0 R >>`,
    ),
  );
  staticObjects.set(toUnicode, pdfStream(toUnicode, '', zlibSync(latin1(toUnicodeCMap(codePointByGid)), { level: 9 })));
  staticObjects.set(fontFile, pdfStream(fontFile, `/Length1 ${program.length} `, zlibSync(program, { level: 9 })));

  return { resource, objectNumber, baseFont, byCodePoint, widths, spaceWidth: byCodePoint.get(0x20)!.width, staticObjects };
}

function toUnicodeCMap(codePointByGid: ReadonlyMap<number, number>): string {
  const entries = [...codePointByGid].sort((a, b) => a[0] - b[0]);
  let out =
    '/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n' +
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n' +
    '/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n' +
    '1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n';
  for (let i = 0; i < entries.length; i += 100) {
    const block = entries.slice(i, i + 100);
    out += `${block.length} beginbfchar\n`;
    for (const [gid, cp] of block) out += `<${hex4(gid)}> <${utf16Hex(String.fromCodePoint(cp))}>\n`;
    out += 'endbfchar\n';
  }
  return out + 'endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n';
}

/**
 * Rewrites a TrueType subset without hinting: glyph instructions are emptied and the fpgm, prep and cvt tables
 * dropped (DejaVu's instructions are over half of its glyph data). The outlines are untouched. Writes long loca
 * offsets and recomputes every checksum.
 */
function stripHinting(ttf: Uint8Array): Uint8Array {
  const view = new DataView(ttf.buffer, ttf.byteOffset, ttf.byteLength);
  const tables = new Map<string, Uint8Array>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16;
    const tag = String.fromCharCode(ttf[record]!, ttf[record + 1]!, ttf[record + 2]!, ttf[record + 3]!);
    const offset = view.getUint32(record + 8);
    tables.set(tag, ttf.subarray(offset, offset + view.getUint32(record + 12)));
  }
  const need = (tag: string): Uint8Array => {
    const table = tables.get(tag);
    if (!table) throw new Error(`font subset has no ${tag} table`);
    return table;
  };
  const head = need('head').slice();
  const maxp = need('maxp').slice();
  const loca = need('loca');
  const glyf = need('glyf');
  const headView = new DataView(head.buffer);
  const maxpView = new DataView(maxp.buffer);
  const locaView = new DataView(loca.buffer, loca.byteOffset, loca.byteLength);
  const numGlyphs = maxpView.getUint16(4);
  const longLoca = headView.getInt16(50) === 1;
  const locaAt = (i: number): number => (longLoca ? locaView.getUint32(i * 4) : locaView.getUint16(i * 2) * 2);

  const glyphs: Uint8Array[] = [];
  for (let gid = 0; gid < numGlyphs; gid++) {
    const glyph = glyf.subarray(locaAt(gid), locaAt(gid + 1));
    if (glyph.length === 0) {
      glyphs.push(glyph);
      continue;
    }
    const g = new DataView(glyph.buffer, glyph.byteOffset, glyph.byteLength);
    const contours = g.getInt16(0);
    if (contours >= 0) {
      const lengthAt = 10 + contours * 2;
      const instructions = g.getUint16(lengthAt);
      const out = new Uint8Array(glyph.length - instructions);
      out.set(glyph.subarray(0, lengthAt)); // header and endPtsOfContours; instructionLength stays 0
      out.set(glyph.subarray(lengthAt + 2 + instructions), lengthAt + 2);
      glyphs.push(out);
    } else {
      const out = glyph.slice();
      const o = new DataView(out.buffer);
      let pos = 10;
      let flags: number;
      do {
        flags = o.getUint16(pos);
        o.setUint16(pos, flags & ~0x0100); // WE_HAVE_INSTRUCTIONS
        pos += 4 + (flags & 0x0001 ? 4 : 2); // flags, glyphIndex, arguments (words or bytes)
        if (flags & 0x0008)
          pos += 2; // WE_HAVE_A_SCALE
        else if (flags & 0x0040)
          pos += 4; // WE_HAVE_AN_X_AND_Y_SCALE
        else if (flags & 0x0080) pos += 8; // WE_HAVE_A_TWO_BY_TWO
      } while (flags & 0x0020); // MORE_COMPONENTS
      glyphs.push(out.subarray(0, pos));
    }
  }

  const padded = (n: number): number => (n + 3) & ~3;
  const newGlyf = new Uint8Array(glyphs.reduce((sum, g) => sum + padded(g.length), 0));
  const newLoca = new Uint8Array((numGlyphs + 1) * 4);
  const newLocaView = new DataView(newLoca.buffer);
  let offset = 0;
  glyphs.forEach((g, gid) => {
    newLocaView.setUint32(gid * 4, offset);
    newGlyf.set(g, offset);
    offset += padded(g.length);
  });
  newLocaView.setUint32(numGlyphs * 4, offset);
  headView.setUint32(8, 0); // checkSumAdjustment, set below
  headView.setInt16(50, 1); // indexToLocFormat: long
  maxpView.setUint16(26, 0); // maxSizeOfInstructions

  const out = new Map<string, Uint8Array>([
    ['glyf', newGlyf],
    ['head', head],
    ['hhea', need('hhea')],
    ['hmtx', need('hmtx')],
    ['loca', newLoca],
    ['maxp', maxp],
  ]);
  const count = out.size;
  const headerLength = 12 + count * 16;
  const total = headerLength + [...out.values()].reduce((sum, t) => sum + padded(t.length), 0);
  const font = new Uint8Array(total);
  const fontView = new DataView(font.buffer);
  const entrySelector = Math.floor(Math.log2(count));
  fontView.setUint32(0, 0x00010000);
  fontView.setUint16(4, count);
  fontView.setUint16(6, 16 * 2 ** entrySelector);
  fontView.setUint16(8, entrySelector);
  fontView.setUint16(10, count * 16 - 16 * 2 ** entrySelector);
  let record = 12;
  let tableOffset = headerLength;
  let headOffset = 0;
  for (const [tag, table] of out) {
    for (let i = 0; i < 4; i++) font[record + i] = tag.charCodeAt(i);
    font.set(table, tableOffset);
    fontView.setUint32(record + 4, checksum(font.subarray(tableOffset, tableOffset + padded(table.length))));
    fontView.setUint32(record + 8, tableOffset);
    fontView.setUint32(record + 12, table.length);
    if (tag === 'head') headOffset = tableOffset;
    record += 16;
    tableOffset += padded(table.length);
  }
  fontView.setUint32(headOffset + 8, (0xb1b0afba - checksum(font)) >>> 0);
  return font;
}

function checksum(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sum = 0;
  for (let i = 0; i + 4 <= bytes.length; i += 4) sum = (sum + view.getUint32(i)) >>> 0;
  return sum;
}

// ---------------------------------------------------------------------------------------------------------------
// PDF serialisation helpers

function latin1(text: string): Uint8Array {
  return Buffer.from(text, 'latin1');
}

function pdfObject(n: number, body: string): Uint8Array {
  return latin1(`${n} 0 obj\n${body}\nendobj\n`);
}

/** A FlateDecode stream object; `extra` is more dictionary entries, each followed by a space. */
function pdfStream(n: number, extra: string, deflated: Uint8Array): Uint8Array {
  const head = latin1(`${n} 0 obj\n<< ${extra}/Length ${deflated.length} /Filter /FlateDecode >>\nstream\n`);
  const tail = latin1('\nendstream\nendobj\n');
  const out = new Uint8Array(head.length + deflated.length + tail.length);
  out.set(head);
  out.set(deflated, head.length);
  out.set(tail, head.length + deflated.length);
  return out;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** UTF-16BE code units in hex (no BOM). */
function utf16Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i));
  return out;
}

/** A number for a content stream: at most two decimals, no exponent, no "-0". */
function num(n: number): string {
  const r = Math.round(n * 100) / 100;
  return r === 0 ? '0' : String(r);
}

// ---------------------------------------------------------------------------------------------------------------
// Fixed objects

const CATALOG = 1;
const PAGES = 2;
const PAGE = 3;
const CONTENTS = 4;
const INFO = 5;

const REGULAR = loadFace('DejaVuSans.ttf', 'F1', 6);
const BOLD = loadFace('DejaVuSans-Bold.ttf', 'F2', 11);
const FACES = [REGULAR, BOLD] as const;

// The logical structure (tagged PDF) and the XMP metadata; written per document, at fixed numbers.
const STRUCT_TREE_ROOT = 16;
const METADATA = 17;
const PARENT_TREE = 18;
const DOCUMENT_ELEMENT = 19;
/** The structure elements of the page's content, one per paragraph and one for the QR code, numbered from here. */
const FIRST_ELEMENT = 20;

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const TEXT_LEFT = 64;
const TEXT_WIDTH = PAGE_WIDTH - 2 * TEXT_LEFT;
/** The lowest baseline the flowing text may use; the verification block, the rule and the seal statement sit below it. */
const TEXT_BOTTOM = 190;

/** English lines: smaller, and a dark grey, so the Latvian original leads. */
const TRANSLATION_GREY = 0.25;

const HEADER = new Uint8Array([...latin1('%PDF-1.7\n%'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]);

const PRODUCER = 'Eksāmenu portāls';
const AUTHOR = 'Valsts izglītības attīstības aģentūra';

const STATIC_OBJECTS = new Map<number, Uint8Array>([
  [
    CATALOG,
    pdfObject(
      CATALOG,
      `<< /Type /Catalog /Pages ${PAGES} 0 R /Lang (lv) /MarkInfo << /Marked true >> /StructTreeRoot ${STRUCT_TREE_ROOT} 0 R` +
        ` /Metadata ${METADATA} 0 R /ViewerPreferences << /DisplayDocTitle true >> >>`,
    ),
  ],
  [PAGES, pdfObject(PAGES, `<< /Type /Pages /Kids [${PAGE} 0 R] /Count 1 >>`)],
  [
    PAGE,
    pdfObject(
      PAGE,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}]` +
        ` /Resources << /Font << ${FACES.map((f) => `/${f.resource} ${f.objectNumber} 0 R`).join(' ')} >>` +
        // PDF/A allows device colours only with an output intent (an ICC profile) or a device-independent
        // default: grey levels are read as CIE-based grey with the usual 2.2 gamma instead.
        ' /ColorSpace << /DefaultGray [/CalGray << /WhitePoint [0.9505 1 1.089] /Gamma 2.2 >>] >> >>' +
        ` /Contents ${CONTENTS} 0 R /StructParents 0 /Tabs /S >>`,
    ),
  ],
  ...REGULAR.staticObjects,
  ...BOLD.staticObjects,
]);

/** A horizontal rule across the text area, marked as decoration rather than content. */
function rule(y: number): string {
  return `/Artifact BMC q 0.35 G 0.6 w ${TEXT_LEFT} ${num(y)} m ${num(PAGE_WIDTH - TEXT_LEFT)} ${num(y)} l S Q EMC`;
}

/** The frame and the rule above the seal statement. */
const GRAPHICS = '/Artifact BMC q 0.35 G 1.2 w 24 24 547.28 793.89 re S 0.4 w 29.5 29.5 536.28 782.89 re S Q EMC\n' + rule(98);

const DOCUMENT_TITLE: Record<CertificateKind, string> = {
  basic: 'Pamatizglītības sertifikāts',
  secondary: 'Vispārējās vidējās izglītības sertifikāts',
};

// ---------------------------------------------------------------------------------------------------------------
// Layout

/** A structure element of the page: what a screen reader announces, in reading order. */
interface Element {
  tag: 'H1' | 'P' | 'Figure';
  lang?: 'en';
  alt?: string;
  bbox?: readonly [number, number, number, number];
}

interface ParagraphOptions {
  /** Keep each line whole by lowering the size rather than wrapping. */
  shrink?: boolean;
  tag?: 'H1' | 'P';
  /** An English translation: its own language tag, smaller and grey. */
  lang?: 'en';
  /** Left-aligned from this x instead of centred. */
  left?: number;
  /** Baseline distance of wrapped and forced lines, in sizes. */
  leading?: number;
}

/** Collects the content stream, the structure elements (one per marked-content id) and the glyphs each font uses. */
class Page {
  private readonly content: string[] = [GRAPHICS];
  readonly elements: Element[] = [];
  readonly used = new Map<Face, Set<number>>(FACES.map((f) => [f, new Set<number>()]));
  private size = 0;
  /** Baseline of the last line shown (or where the next paragraph starts). */
  y = 0;

  constructor(
    private readonly spacing: number,
    /** Type size factor of the flowing text; the fixed lines at the foot of the page are set at 1. */
    public scale: number,
  ) {}

  /**
   * Moves down to the next paragraph's baseline: `gap` × spacing, but never so little that the next line's ascent
   * would reach into the last line's descent. `gap` 0 sets a translation right beneath its line.
   */
  next(gap: number, nextSize: number): void {
    this.y -= Math.max(gap * this.spacing, 0.3 * this.size + 0.95 * nextSize * this.scale);
  }

  /**
   * Shows a paragraph, its first baseline at `this.y`, following ones `leading` × size lower; `this.y` ends on the
   * last baseline. A "\n" starts a new line; lines wrap at spaces, or with `shrink` keep whole by lowering the
   * size. A word wider than the text area also lowers the size. The paragraph is one marked-content sequence and
   * one structure element.
   */
  paragraph(raw: string, face: Face, baseSize: number, field: string, options: ParagraphOptions = {}): void {
    const width = options.left === undefined ? TEXT_WIDTH : PAGE_WIDTH - TEXT_LEFT - options.left;
    const set = setParagraph(raw, face, baseSize * this.scale, width, options.shrink ?? false, field);
    if (set.lines.length === 0) return;
    const { size } = set;
    const mcid = this.elements.length;
    this.elements.push({ tag: options.tag ?? 'P', ...(options.lang ? { lang: options.lang } : {}) });
    const grey = options.lang ? TRANSLATION_GREY : 0;
    let out = `/${options.tag ?? 'P'} <</MCID ${mcid}>> BDC BT ${grey} g /${face.resource} ${num(size)} Tf`;
    const used = this.used.get(face)!;
    for (const gid of set.gids) used.add(gid);
    const leading = options.leading ?? 1.3;
    set.lines.forEach((line, i) => {
      if (i > 0) this.y -= leading * size;
      const x = options.left ?? (PAGE_WIDTH - (line.width * size) / 1000) / 2;
      out += `\n1 0 0 1 ${num(x)} ${num(this.y)} Tm <${line.hex}> Tj`;
    });
    this.content.push(`${out}\nET EMC`);
    this.size = size;
  }

  /** A rule a little below the last baseline; the next paragraph is spaced from the rule. */
  rule(): void {
    this.y -= 9;
    this.content.push(rule(this.y));
    this.size = 0;
  }

  /** A Latvian line, then its English translation right beneath it. */
  bilingual(text: Bilingual, face: Face, size: number, englishSize: number, field: string, options: ParagraphOptions = {}): void {
    this.paragraph(text.lv, face, size, field, options);
    this.next(0, englishSize);
    this.paragraph(text.en, REGULAR, englishSize, field, { ...options, tag: 'P', lang: 'en' });
  }

  /**
   * The QR code as a one-bit image mask, one sample per module, scaled to a square of `side` points whose lower
   * left corner is (x, y): a few hundred bytes where a path of its dark runs took kilobytes (the content stream is
   * deflated per document, so its size is time). Inline, in hexadecimal, so no binary sample can end it early.
   */
  qrCode(modules: QrModules, x: number, y: number, side: number, alt: string): void {
    const mcid = this.elements.length;
    this.elements.push({ tag: 'Figure', alt, bbox: [x, y, x + side, y + side] });
    const n = modules.size;
    const rowBytes = Math.ceil(n / 8);
    let hex = '';
    for (let row = 0; row < n; row++) {
      for (let b = 0; b < rowBytes; b++) {
        // An image mask paints where a sample is 0: dark modules are 0 bits, light ones (and the padding) 1.
        let byte = 0;
        for (let bit = 0; bit < 8; bit++) {
          const col = b * 8 + bit;
          if (col >= n || !modules.data[row * n + col]) byte |= 0x80 >> bit;
        }
        hex += HEX_BYTES[byte];
      }
    }
    this.content.push(
      `/Figure <</MCID ${mcid}>> BDC q 0 g ${num(side)} 0 0 ${num(side)} ${num(x)} ${num(y)} cm` +
        ` BI /W ${n} /H ${n} /IM true /BPC 1 /F /AHx ID ${hex}> EI Q EMC`,
    );
  }

  stream(): string {
    return this.content.join('\n') + '\n';
  }
}

interface QrModules {
  size: number;
  data: Uint8Array;
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** A paragraph broken into lines: each line's glyphs in hex and its width (1000-unit em), at the size it got. */
interface SetParagraph {
  size: number;
  lines: { hex: string; width: number }[];
  gids: number[];
}

/**
 * Half of a certificate's paragraphs are the same in every document (the agency, the sentence, the seal
 * statement…), so set paragraphs are kept by text, face, size and width; the store is emptied when it grows large,
 * which the varying texts (names, numbers) would otherwise make it.
 */
const setParagraphs = new Map<string, SetParagraph>();
const MAX_SET_PARAGRAPHS = 2000;

/**
 * Breaks a paragraph into lines: a "\n" starts a new line; lines wrap at spaces, or with `shrink` keep whole by
 * lowering the size. A word wider than the text area also lowers the size. A line that wraps ends in its space,
 * so that text extraction and screen readers keep the words apart.
 */
function setParagraph(raw: string, face: Face, requestedSize: number, width: number, shrink: boolean, field: string): SetParagraph {
  const key = `${face.resource} ${requestedSize} ${width} ${shrink ? 1 : 0} ${raw}`;
  const known = setParagraphs.get(key);
  if (known) return known;
  let size = requestedSize;
  const forced = raw
    .normalize('NFC')
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .filter((w) => w !== '')
        .map((w) => glyphsOf(w, face, field)),
    )
    .filter((words) => words.length > 0);
  const widthOf = (word: FaceGlyph[]) => word.reduce((sum, g) => sum + g.width, 0);
  const limit = (width * 1000) / size; // text width in 1000-unit em at this size
  const widest = Math.max(0, ...forced.flat().map(widthOf));
  const longest = Math.max(0, ...forced.map((words) => words.reduce((sum, w) => sum + widthOf(w), 0) + face.spaceWidth * (words.length - 1)));
  if (shrink && longest > limit) size = (size * limit) / longest;
  else if (widest > limit) size = (size * limit) / widest;
  const fit = (width * 1000) / size + 0.001;

  const space = face.byCodePoint.get(0x20)!;
  const broken: { glyphs: FaceGlyph[]; width: number }[] = [];
  for (const words of forced) {
    let glyphs: FaceGlyph[] = [];
    let lineWidth = 0;
    for (const word of words) {
      const w = widthOf(word);
      if (glyphs.length > 0 && lineWidth + face.spaceWidth + w > fit) {
        broken.push({ glyphs, width: lineWidth });
        glyphs = [];
        lineWidth = 0;
      }
      if (glyphs.length > 0) {
        glyphs.push(space);
        lineWidth += face.spaceWidth;
      }
      glyphs.push(...word);
      lineWidth += w;
    }
    broken.push({ glyphs, width: lineWidth });
  }
  const gids = new Set<number>();
  const lines = broken.map((line, i) => {
    let hex = '';
    for (const g of line.glyphs) {
      hex += g.hex;
      gids.add(g.gid);
    }
    if (i < broken.length - 1) {
      hex += space.hex;
      gids.add(space.gid);
    }
    return { hex, width: line.width };
  });
  const set = { size, lines, gids: [...gids] };
  if (setParagraphs.size >= MAX_SET_PARAGRAPHS) setParagraphs.clear();
  setParagraphs.set(key, set);
  return set;
}

function glyphsOf(text: string, face: Face, field: string): FaceGlyph[] {
  const out: FaceGlyph[] = [];
  for (const ch of text) {
    const glyph = face.byCodePoint.get(ch.codePointAt(0)!);
    if (!glyph) throw new UnsupportedCharacterError(ch, field);
    out.push(glyph);
  }
  return out;
}

const splitTexts = new Map<string, string>();

/** Splits a text into two lines of about equal width, at the space that makes the longer line shortest. */
function twoLines(text: string, face: Face): string {
  const known = splitTexts.get(text);
  if (known) return known;
  const split = splitInTwo(text, face);
  splitTexts.set(text, split); // only the two seal statements come here
  return split;
}

function splitInTwo(text: string, face: Face): string {
  const words = text.split(' ');
  const widths = words.map((w) => glyphsOf(w, face, 'seal').reduce((sum, g) => sum + g.width, 0));
  const lineWidth = (from: number, to: number) => widths.slice(from, to).reduce((a, b) => a + b, 0) + face.spaceWidth * (to - from - 1);
  let best = 1;
  for (let k = 1; k < words.length; k++) {
    if (Math.max(lineWidth(0, k), lineWidth(k, words.length)) < Math.max(lineWidth(0, best), lineWidth(best, words.length))) best = k;
  }
  return `${words.slice(0, best).join(' ')}\n${words.slice(best).join(' ')}`;
}

/**
 * Vertical spacing factors and type scales tried in turn: the normal layout, tighter ones for many parts or long
 * texts, and at last slightly smaller type.
 */
const LEVELS = [
  { spacing: 1, scale: 1 },
  { spacing: 0.8, scale: 1 },
  { spacing: 0.6, scale: 1 },
  { spacing: 0.45, scale: 1 },
  { spacing: 0.4, scale: 0.9 },
  { spacing: 0.35, scale: 0.8 },
];

function layout(facts: CertificateFacts, verification: CertificateVerification | undefined): Page {
  const texts = certificateTexts(facts, verification);
  // The name is printed as one paragraph; check its fields one by one so that an error names the right one.
  glyphsOf(facts.firstName.normalize('NFC'), BOLD, 'firstName');
  glyphsOf(facts.lastName.normalize('NFC'), BOLD, 'lastName');
  // One byte-mode segment: the same symbol size for an address like ours, without the search for the best mix of
  // modes. The mask is still chosen by the standard's penalty rules, which is most of the cost but keeps the
  // code easy to scan from paper.
  const qr = verification
    ? QRCode.create([{ data: Buffer.from(verification.address, 'utf8'), mode: 'byte' }], { errorCorrectionLevel: 'M' }).modules
    : undefined;

  for (const level of LEVELS) {
    const page = compose(texts, qr, level);
    if (page.y >= TEXT_BOTTOM) return page;
  }
  throw new RangeError(`certificate ${facts.number} does not fit on one page (too many parts or too long texts)`);
}

/** Lays the page out; page.y ends on the last baseline of the flowing text. */
function compose(texts: CertificateTexts, qr: QrModules | undefined, level: (typeof LEVELS)[number]): Page {
  const page = new Page(level.spacing, level.scale);
  page.y = 772;
  page.bilingual(texts.agency, BOLD, 12, 8, 'agency', { shrink: true });
  page.rule();
  page.next(35, 18);
  page.paragraph(texts.title.lv, BOLD, 18, 'title', { shrink: true, tag: 'H1' });
  page.next(0, 10);
  page.paragraph(texts.title.en, BOLD, 10, 'title', { shrink: true, lang: 'en' });
  page.next(28, 12);
  page.bilingual(texts.number, REGULAR, 12, 8, 'number');
  page.next(44, 21);
  page.paragraph(texts.name, BOLD, 21, 'name');
  page.next(24, 12);
  page.bilingual(texts.personalCode, REGULAR, 12, 8, 'personalCode');
  page.next(38, 12);
  page.bilingual(texts.education, REGULAR, 12, 8, 'text');
  page.next(20, 12);
  page.bilingual(texts.demonstrated, REGULAR, 12, 8, 'text');
  page.next(30, 16);
  page.paragraph(texts.subject.lv, BOLD, 16, 'subjectLvLocative');
  page.next(0, 10);
  page.paragraph(texts.subject.en, REGULAR, 10, 'subjectEn', { lang: 'en' });
  if (texts.level) {
    page.next(22, 12);
    page.bilingual(texts.level, REGULAR, 12, 8, 'level');
  }
  page.next(36, 15);
  page.paragraph(texts.total.lv, BOLD, 15, 'total');
  page.next(0, 9);
  page.paragraph(texts.total.en, REGULAR, 9, 'total', { lang: 'en' });
  texts.parts.forEach((part, i) => {
    page.next(i === 0 ? 26 : 18, 12);
    page.paragraph(part.lv, REGULAR, 12, `parts[${i}].nameLv`);
    page.next(0, 8);
    page.paragraph(part.en, REGULAR, 8, `parts[${i}].nameEn`, { lang: 'en' });
  });
  page.next(28, 11);
  page.bilingual(texts.session, REGULAR, 11, 8, 'session');
  // Date and place sit low on the page, as on the printed certificates, unless the parts reach down there.
  page.next(40, 12);
  page.y = Math.min(page.y, 246);
  page.bilingual(texts.issued, REGULAR, 12, 8, 'issuedOn');
  page.next(16, 12);
  page.bilingual(texts.place, REGULAR, 12, 8, 'place');
  const bottom = page.y;

  // Below the flowing text, at fixed places and sizes: how to check the document, then the seal statement.
  page.scale = 1;
  if (texts.verification && qr) {
    const x = 150;
    page.qrCode(qr, TEXT_LEFT, 106, 70, `QR kods ar šī sertifikāta pārbaudes adresi / QR code with this certificate's verification address`);
    const lines: [Bilingual, Face, number][] = [
      [texts.verification.where, REGULAR, 166],
      [texts.verification.how, REGULAR, 142],
      [texts.verification.code, BOLD, 117.5],
    ];
    for (const [text, face, y] of lines) {
      page.y = y;
      page.paragraph(text.lv, face, face === BOLD ? 10 : 9, 'verification', { left: x, shrink: true });
      page.y = y - 10.5;
      page.paragraph(text.en, REGULAR, 7.5, 'verification', { left: x, shrink: true, lang: 'en' });
    }
  }
  page.y = 86;
  page.paragraph(twoLines(texts.seal.lv, REGULAR), REGULAR, 8.5, 'seal', { shrink: true, leading: 10 / 8.5 });
  page.y = 64.5;
  page.paragraph(twoLines(texts.seal.en, REGULAR), REGULAR, 7, 'seal', { shrink: true, leading: 8.5 / 7, lang: 'en' });
  page.y = bottom;
  return page;
}

// ---------------------------------------------------------------------------------------------------------------
// The document

/** Widths of the used glyphs as a W array: runs of consecutive gids, "first [w w …]". */
function widthsArray(face: Face, used: ReadonlySet<number>): string {
  const gids = [...used].sort((a, b) => a - b);
  let out = '';
  let i = 0;
  while (i < gids.length) {
    let j = i;
    while (j + 1 < gids.length && gids[j + 1] === gids[j]! + 1) j++;
    out += `${gids[i]} [${gids
      .slice(i, j + 1)
      .map((g) => face.widths[g])
      .join(' ')}] `;
    i = j + 1;
  }
  return `[${out.trimEnd()}]`;
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The XMP metadata packet: title, author and producer as in the Info dictionary (PDF/A wants both to agree), the
 * languages, and the PDF/A-2 identification. Level U: every glyph maps to Unicode through the ToUnicode maps.
 */
function xmpPacket(title: string): string {
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    '<rdf:Description rdf:about=""' +
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"' +
    ' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">\n' +
    '<dc:format>application/pdf</dc:format>\n' +
    `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(title)}</rdf:li></rdf:Alt></dc:title>\n` +
    `<dc:creator><rdf:Seq><rdf:li>${xmlText(AUTHOR)}</rdf:li></rdf:Seq></dc:creator>\n` +
    '<dc:language><rdf:Bag><rdf:li>lv</rdf:li><rdf:li>en</rdf:li></rdf:Bag></dc:language>\n' +
    `<pdf:Producer>${xmlText(PRODUCER)}</pdf:Producer>\n` +
    '<pdfaid:part>2</pdfaid:part>\n' +
    '<pdfaid:conformance>U</pdfaid:conformance>\n' +
    '</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n' +
    '<?xpacket end="r"?>'
  );
}

/** An unfiltered stream of UTF-8 text (PDF/A wants the metadata readable without decoding). */
function pdfTextStream(n: number, dictionary: string, text: string): Uint8Array {
  const body = Buffer.from(text, 'utf8');
  return Buffer.concat([latin1(`${n} 0 obj\n<< ${dictionary} /Length ${body.length} >>\nstream\n`), body, latin1('\nendstream\nendobj\n')]);
}

function pdfString(text: string): string {
  return `<FEFF${utf16Hex(text)}>`;
}

function structureObjects(page: Page): Map<number, Uint8Array> {
  const objects = new Map<number, Uint8Array>();
  const refs = page.elements.map((_, i) => `${FIRST_ELEMENT + i} 0 R`).join(' ');
  objects.set(
    STRUCT_TREE_ROOT,
    pdfObject(STRUCT_TREE_ROOT, `<< /Type /StructTreeRoot /K [${DOCUMENT_ELEMENT} 0 R] /ParentTree ${PARENT_TREE} 0 R /ParentTreeNextKey 1 >>`),
  );
  // The page's marked-content ids, in order, each to its element (the page's StructParents is 0).
  objects.set(PARENT_TREE, pdfObject(PARENT_TREE, `<< /Nums [0 [${refs}]] >>`));
  objects.set(DOCUMENT_ELEMENT, pdfObject(DOCUMENT_ELEMENT, `<< /Type /StructElem /S /Document /P ${STRUCT_TREE_ROOT} 0 R /K [${refs}] >>`));
  page.elements.forEach((element, mcid) => {
    const n = FIRST_ELEMENT + mcid;
    let extra = '';
    if (element.lang) extra += ` /Lang (${element.lang})`;
    if (element.alt) extra += ` /Alt ${pdfString(element.alt)}`;
    if (element.bbox) extra += ` /A << /O /Layout /Placement /Block /BBox [${element.bbox.map(num).join(' ')}] >>`;
    // No /Type (optional for structure elements): there are dozens, and the PDF is stored in the container uncompressed.
    objects.set(n, pdfObject(n, `<< /S /${element.tag} /P ${DOCUMENT_ELEMENT} 0 R /Pg ${PAGE} 0 R /K ${mcid}${extra} >>`));
  });
  return objects;
}

/**
 * Renders the certificate as a one-page A4 PDF 1.7, tagged, with XMP metadata identifying it as PDF/A-2u. With
 * `verification` it prints the QR code, the verification page and the code. Throws UnsupportedCharacterError for
 * unprintable text and RangeError for impossible facts.
 */
export function renderCertificatePdf(facts: CertificateFacts, verification?: CertificateVerification): Uint8Array {
  return writeDocument(layout(facts, verification), `${DOCUMENT_TITLE[facts.kind]} Nr. ${facts.number}`);
}

/** One block of a plain document: a heading or a paragraph, left-aligned. */
export interface PlainBlock {
  text: string;
  heading?: boolean;
  bold?: boolean;
  /** Type size in points (default 10.5; a heading 16). */
  size?: number;
  /** Space above it, in points (default 8). */
  gap?: number;
}

/**
 * A one-page A4 document of headings and left-aligned paragraphs in the certificate's fonts, frame and tagging
 * (receipts and statements the portal hands out). The type is made smaller until it fits; RangeError if it cannot.
 */
export function renderPlainPdf(title: string, blocks: readonly PlainBlock[]): Uint8Array {
  for (const scale of [1, 0.85, 0.72, 0.6]) {
    const page = new Page(1, scale);
    page.y = 772;
    blocks.forEach((block, i) => {
      const size = block.size ?? (block.heading ? 16 : 10.5);
      if (i > 0) page.next(block.gap ?? 8, size);
      page.paragraph(block.text, block.bold || block.heading ? BOLD : REGULAR, size, 'text', {
        left: TEXT_LEFT,
        ...(block.heading ? { tag: 'H1' as const } : {}),
      });
    });
    if (page.y >= 110) return writeDocument(page, title);
  }
  throw new RangeError('the document does not fit on one page');
}

function writeDocument(page: Page, title: string): Uint8Array {
  const objects = new Map<number, Uint8Array>(STATIC_OBJECTS);
  // node's native zlib: about 0.04 ms for the ~2 KB content stream where fflate takes about 0.16 ms per call.
  objects.set(CONTENTS, pdfStream(CONTENTS, '', deflateSync(latin1(page.stream()))));
  objects.set(INFO, pdfObject(INFO, `<< /Title ${pdfString(title)} /Author ${pdfString(AUTHOR)} /Producer ${pdfString(PRODUCER)} >>`));
  for (const face of FACES) {
    const n = face.objectNumber + 1;
    objects.set(
      n,
      pdfObject(
        n,
        `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /${face.baseFont}` +
          ' /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>' +
          ` /FontDescriptor ${face.objectNumber + 2} 0 R /DW ${face.widths[0]} /W ${widthsArray(face, page.used.get(face)!)} /CIDToGIDMap /Identity >>`,
      ),
    );
  }
  objects.set(METADATA, pdfTextStream(METADATA, '/Type /Metadata /Subtype /XML', xmpPacket(title)));
  for (const [n, bytes] of structureObjects(page)) objects.set(n, bytes);
  const objectCount = FIRST_ELEMENT - 1 + page.elements.length;

  const offsets: number[] = [];
  let length = HEADER.length;
  // The file identifier PDF/A asks for, from what differs between documents: same facts, same identifier.
  const id = createHash('sha256');
  for (let n = 1; n <= objectCount; n++) {
    const bytes = objects.get(n)!;
    offsets.push(length);
    length += bytes.length;
    if (!STATIC_OBJECTS.has(n)) id.update(bytes);
  }
  const fileId = id.digest('hex').slice(0, 32).toUpperCase();
  let xref = `xref\n0 ${objectCount + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) xref += `${String(offset).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<< /Size ${objectCount + 1} /Root ${CATALOG} 0 R /Info ${INFO} 0 R /ID [<${fileId}> <${fileId}>] >>\nstartxref\n${length}\n%%EOF\n`;
  const tail = latin1(xref);

  const out = new Uint8Array(length + tail.length);
  out.set(HEADER);
  for (let n = 1; n <= objectCount; n++) out.set(objects.get(n)!, offsets[n - 1]!);
  out.set(tail, length);
  return out;
}
