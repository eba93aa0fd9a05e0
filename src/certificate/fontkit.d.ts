// fontkit 2 ships no type declarations; this is the small part of its API that src/certificate/pdf.ts uses.
declare module 'fontkit' {
  export interface BBox {
    readonly minX: number;
    readonly minY: number;
    readonly maxX: number;
    readonly maxY: number;
  }

  export interface Glyph {
    /** Glyph id in the font it came from (0 is .notdef, the "missing" glyph). */
    readonly id: number;
    /** In font units (see Font.unitsPerEm). */
    readonly advanceWidth: number;
    readonly bbox: BBox;
  }

  export interface Subset {
    /** Adds a glyph (by id in the full font) and returns its id in the subset. */
    includeGlyph(glyph: number | Glyph): number;
    /** The subset font program: a TrueType file with head, hhea, maxp, hmtx, loca, glyf, cvt, prep, fpgm. */
    encode(): Uint8Array;
  }

  export interface Font {
    readonly type: 'TTF' | 'WOFF' | 'WOFF2';
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    readonly ascent: number;
    readonly descent: number;
    readonly italicAngle: number;
    readonly bbox: BBox;
    readonly numGlyphs: number;
    readonly 'OS/2'?: { readonly usWeightClass: number; readonly version: number };
    readonly post?: { readonly isFixedPitch: number };
    getGlyph(id: number): Glyph;
    glyphForCodePoint(codePoint: number): Glyph;
    hasGlyphForCodePoint(codePoint: number): boolean;
    createSubset(): Subset;
  }

  export interface FontCollection {
    readonly type: 'TTC' | 'DFont';
    readonly fonts: Font[];
  }

  export function openSync(filename: string, postscriptName?: string): Font | FontCollection;
  export function create(buffer: Uint8Array, postscriptName?: string): Font | FontCollection;
}
