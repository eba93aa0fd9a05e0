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
 * dictionary and the cross-reference table are written.
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
import type { CertificateFacts, CertificateKind, ExamLevel } from './facts.js';

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
const OBJECT_COUNT = 15; // 1…15; object 0 is the head of the free list

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const TEXT_LEFT = 64;
const TEXT_WIDTH = PAGE_WIDTH - 2 * TEXT_LEFT;
/** The lowest baseline the flowing text may use; the seal statement and its rule sit below it. */
const TEXT_BOTTOM = 128;

const HEADER = new Uint8Array([...latin1('%PDF-1.7\n%'), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]);

const STATIC_OBJECTS = new Map<number, Uint8Array>([
  [CATALOG, pdfObject(CATALOG, `<< /Type /Catalog /Pages ${PAGES} 0 R /Lang (lv) /ViewerPreferences << /DisplayDocTitle true >> >>`)],
  [PAGES, pdfObject(PAGES, `<< /Type /Pages /Kids [${PAGE} 0 R] /Count 1 >>`)],
  [
    PAGE,
    pdfObject(
      PAGE,
      `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}]` +
        ` /Resources << /Font << ${FACES.map((f) => `/${f.resource} ${f.objectNumber} 0 R`).join(' ')} >> >> /Contents ${CONTENTS} 0 R >>`,
    ),
  ],
  ...REGULAR.staticObjects,
  ...BOLD.staticObjects,
]);

/** The frame, the rule under the agency's name and the rule above the seal statement. */
const GRAPHICS =
  'q 0.35 G 1.2 w 24 24 547.28 793.89 re S 0.4 w 29.5 29.5 536.28 782.89 re S Q\n' +
  `q 0.35 G 0.6 w ${TEXT_LEFT} 744 m ${num(PAGE_WIDTH - TEXT_LEFT)} 744 l S Q\n` +
  `q 0.35 G 0.6 w ${TEXT_LEFT} 112 m ${num(PAGE_WIDTH - TEXT_LEFT)} 112 l S Q\n`;

// ---------------------------------------------------------------------------------------------------------------
// Texts

const TITLE: Record<CertificateKind, string> = {
  basic: 'PAMATIZGLĪTĪBAS SERTIFIKĀTS',
  secondary: 'VISPĀRĒJĀS VIDĒJĀS IZGLĪTĪBAS SERTIFIKĀTS',
};
const DOCUMENT_TITLE: Record<CertificateKind, string> = {
  basic: 'Pamatizglītības sertifikāts',
  secondary: 'Vispārējās vidējās izglītības sertifikāts',
};
const EDUCATION: Record<CertificateKind, string> = {
  basic: 'piedalījās centralizētajā eksāmenā par pamatizglītību',
  secondary: 'piedalījās centralizētajā eksāmenā par vispārējo vidējo izglītību',
};
const LEVEL: Record<ExamLevel, string> = {
  general: 'vispārīgajā mācību satura apguves līmenī',
  optimal: 'optimālajā mācību satura apguves līmenī',
  higher: 'augstākajā mācību satura apguves līmenī',
};

// ---------------------------------------------------------------------------------------------------------------
// Layout

/** Collects the content stream and the glyphs each font uses. */
class Page {
  private readonly text: string[] = [];
  private face: Face | undefined;
  private size = 0;
  readonly used = new Map<Face, Set<number>>(FACES.map((f) => [f, new Set<number>()]));
  /** Baseline of the last line shown (or where the next paragraph starts). */
  y = 0;

  constructor(private readonly squeeze: number) {}

  /** Moves down to the next paragraph's baseline: `gap` × squeeze, but never so little that lines collide. */
  next(gap: number, nextSize: number): void {
    this.y -= Math.max(gap * this.squeeze, 1.25 * Math.max(this.size, nextSize));
  }

  /**
   * Shows a paragraph centred on the page, its first baseline at `this.y`, following ones `leading` × size lower;
   * `this.y` ends on the last baseline. Wraps at spaces; `shrink` keeps it on one line by lowering the size
   * instead. A word wider than the text area also lowers the size.
   */
  paragraph(raw: string, face: Face, size: number, field: string, shrink = false, leading = 1.3): void {
    const words = raw
      .normalize('NFC')
      .split(' ')
      .filter((w) => w !== '')
      .map((w) => glyphsOf(w, face, field));
    if (words.length === 0) return;
    const wordWidths = words.map((w) => w.reduce((sum, g) => sum + g.width, 0));
    const space = face.byCodePoint.get(0x20)!;
    const limit = (TEXT_WIDTH * 1000) / size; // text width in 1000-unit em at this size
    const whole = wordWidths.reduce((a, b) => a + b, 0) + face.spaceWidth * (words.length - 1);
    if (shrink && whole > limit) size = (size * limit) / whole;
    else if (Math.max(...wordWidths) > limit) size = (size * limit) / Math.max(...wordWidths);
    const fit = (TEXT_WIDTH * 1000) / size + 0.001;

    const lines: { glyphs: FaceGlyph[]; width: number }[] = [];
    let glyphs: FaceGlyph[] = [];
    let width = 0;
    words.forEach((word, i) => {
      const w = wordWidths[i]!;
      if (glyphs.length > 0 && width + face.spaceWidth + w > fit) {
        lines.push({ glyphs, width });
        glyphs = [];
        width = 0;
      }
      if (glyphs.length > 0) {
        glyphs.push(space);
        width += face.spaceWidth;
      }
      glyphs.push(...word);
      width += w;
    });
    lines.push({ glyphs, width });

    if (this.face !== face || this.size !== size) {
      this.text.push(`/${face.resource} ${num(size)} Tf`);
      this.face = face;
      this.size = size;
    }
    const used = this.used.get(face)!;
    lines.forEach((line, i) => {
      if (i > 0) this.y -= leading * size;
      let hex = '';
      for (const g of line.glyphs) {
        hex += g.hex;
        used.add(g.gid);
      }
      const x = (PAGE_WIDTH - (line.width * size) / 1000) / 2;
      this.text.push(`1 0 0 1 ${num(x)} ${num(this.y)} Tm <${hex}> Tj`);
    });
  }

  content(): string {
    return `${GRAPHICS}BT\n${this.text.join('\n')}\nET\n`;
  }
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

function percent(value: number, field: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 100) throw new RangeError(`${field} must be a whole percent 0–100, not ${value}`);
  return `${value}${NBSP}%`;
}

/** Vertical spacing factors tried in turn: the normal layout, then tighter ones for many parts or long texts. */
const SQUEEZES = [1, 0.8, 0.6, 0.45];

function layout(facts: CertificateFacts): Page {
  if (!(facts.kind in TITLE)) throw new RangeError(`unknown certificate kind ${String(facts.kind)}`);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(facts.issuedOn);
  if (!date) throw new RangeError(`issuedOn must be YYYY-MM-DD, not ${facts.issuedOn}`);
  const texts: Texts = {
    issued: `Izsniegts ${date[3]}.${date[2]}.${date[1]}`,
    total: `kopvērtējums ${percent(facts.total, 'total')}`,
    parts: facts.parts.map((p, i) => ({ text: `${p.nameLv} ${percent(p.percent, `parts[${i}].percent`)}`, field: `parts[${i}].nameLv` })),
  };
  // The name is printed as one paragraph; check its fields one by one so that an error names the right one.
  glyphsOf(facts.firstName.normalize('NFC'), BOLD, 'firstName');
  glyphsOf(facts.lastName.normalize('NFC'), BOLD, 'lastName');

  for (const squeeze of SQUEEZES) {
    const page = compose(facts, texts, squeeze);
    if (page.y >= TEXT_BOTTOM) return page;
  }
  throw new RangeError(`certificate ${facts.number} does not fit on one page (too many parts or too long texts)`);
}

interface Texts {
  issued: string;
  total: string;
  parts: { text: string; field: string }[];
}

/** Lays the page out with the space between paragraphs multiplied by `squeeze`; page.y ends on the last baseline of the flowing text. */
function compose(facts: CertificateFacts, texts: Texts, squeeze: number): Page {
  const page = new Page(squeeze);
  page.y = 756;
  page.paragraph('VALSTS IZGLĪTĪBAS ATTĪSTĪBAS AĢENTŪRA', BOLD, 12, 'agency', true);
  page.next(76, 18);
  page.paragraph(TITLE[facts.kind], BOLD, 18, 'title', true);
  page.next(30, 12);
  page.paragraph(`Nr. ${facts.number}`, REGULAR, 12, 'number');
  page.next(72, 21);
  page.paragraph(`${facts.firstName} ${facts.lastName}`, BOLD, 21, 'name');
  page.next(24, 12);
  page.paragraph(`personas kods ${facts.personalCode}`, REGULAR, 12, 'personalCode');
  page.next(56, 12);
  page.paragraph(EDUCATION[facts.kind], REGULAR, 12, 'text');
  page.next(18, 12);
  page.paragraph('un apliecināja savu zināšanu un prasmju atbilstību', REGULAR, 12, 'text');
  page.next(28, 16);
  page.paragraph(facts.subjectLvLocative, BOLD, 16, 'subjectLvLocative');
  if (facts.kind === 'secondary' && facts.level) {
    page.next(22, 12);
    page.paragraph(LEVEL[facts.level], REGULAR, 12, 'level');
  }
  page.next(44, 15);
  page.paragraph(texts.total, BOLD, 15, 'total');
  texts.parts.forEach((part, i) => {
    page.next(i === 0 ? 28 : 20, 12);
    page.paragraph(part.text, REGULAR, 12, part.field);
  });
  // Date and place sit low on the page, as on the printed certificates, unless the parts reach down there.
  page.next(48, 12);
  page.y = Math.min(page.y, 206);
  page.paragraph(texts.issued, REGULAR, 12, 'issuedOn');
  page.next(18, 12);
  page.paragraph('Rīga, Latvijas Republika', REGULAR, 12, 'place');
  const bottom = page.y;

  page.y = 92;
  page.paragraph('ŠIS DOKUMENTS APLIECINĀTS AR VALSTS IZGLĪTĪBAS ATTĪSTĪBAS', REGULAR, 9, 'seal', true);
  page.y = 80;
  page.paragraph('AĢENTŪRAS KVALIFICĒTU ELEKTRONISKO ZĪMOGU', REGULAR, 9, 'seal', true);
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

/** Renders the certificate as a one-page A4 PDF 1.7. Throws UnsupportedCharacterError for unprintable text. */
export function renderCertificatePdf(facts: CertificateFacts): Uint8Array {
  const page = layout(facts);
  const objects = new Map<number, Uint8Array>(STATIC_OBJECTS);
  // node's native zlib: about 0.04 ms for the ~2 KB content stream where fflate takes about 0.16 ms per call.
  objects.set(CONTENTS, pdfStream(CONTENTS, '', deflateSync(latin1(page.content()))));
  const title = `${DOCUMENT_TITLE[facts.kind]} Nr. ${facts.number}`;
  objects.set(INFO, pdfObject(INFO, `<< /Title <FEFF${utf16Hex(title)}> /Producer <FEFF${utf16Hex('Eksāmenu portāls')}> >>`));
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

  const offsets: number[] = [];
  let length = HEADER.length;
  for (let n = 1; n <= OBJECT_COUNT; n++) {
    offsets.push(length);
    length += objects.get(n)!.length;
  }
  let xref = `xref\n0 ${OBJECT_COUNT + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) xref += `${String(offset).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<< /Size ${OBJECT_COUNT + 1} /Root ${CATALOG} 0 R /Info ${INFO} 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  const tail = latin1(xref);

  const out = new Uint8Array(length + tail.length);
  out.set(HEADER);
  for (let n = 1; n <= OBJECT_COUNT; n++) out.set(objects.get(n)!, offsets[n - 1]!);
  out.set(tail, length);
  return out;
}
