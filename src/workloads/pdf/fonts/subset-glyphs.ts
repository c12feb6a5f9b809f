import type * as fontkit from 'fontkit';

/** What a font subset needs of one glyph, read from the font once per thread. */
interface GlyphRecord {
  /** The glyph's bytes in the font's `glyf` table; read only (a view of the font file). */
  data: Uint8Array;
  /** A composite glyph's parts: each part's glyph id and where that id sits in `data`. */
  components: { glyphID: number; pos: number }[] | undefined;
  advance: number;
  bearing: number;
}

/** The parts of fontkit 2.0.4's TrueType font and glyph that its subset reads. */
interface TrueTypeFont {
  directory: { tables: Record<string, unknown> };
  _variationProcessor?: unknown;
  loca: { offsets: number[]; version: number };
  _getTableStream(tag: 'glyf'): { pos: number; readBuffer(length: number): Uint8Array };
  getGlyph(id: number): TrueTypeGlyph;
}
interface TrueTypeGlyph {
  advanceWidth: number;
  _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null;
  _getMetrics(): { leftBearing: number };
}

/** fontkit 2.0.4's TTFSubset, as far as pdfkit uses it: the glyphs, numbered as included. */
interface TrueTypeSubset {
  glyphs: number[];
  includeGlyph(id: number): number;
  encode(): Uint8Array;
}

/**
 * The tables of a subset font file, in the order fontkit writes them; those that do not
 * depend on the glyphs (head, hhea, maxp, cvt, prep, fpgm) with the bytes fontkit writes.
 */
type Template = { tag: string; bytes: Uint8Array | undefined }[];

/**
 * Makes the subsets of `font` (pdfkit asks for one per document) write their font files
 * from tables kept for the thread. fontkit's `TTFSubset` decodes every glyph's whole
 * outline (to learn whether it is composite) and encodes every table field by field
 * through its generic struct encoder, in every document: 1.4 ms for a DejaVu Sans subset
 * of a few pages, 0.1 ms here. The file is the one fontkit writes, byte for byte: glyphs,
 * metrics and fixed tables are what fontkit read and wrote the first time. TrueType
 * outlines only: CFF and variable fonts keep fontkit's own subset.
 */
export function cacheSubsetGlyphs(font: fontkit.Font): void {
  const ttf = font as unknown as TrueTypeFont;
  const { tables } = ttf.directory;
  if (!tables.glyf || tables['CFF '] || tables.CFF2 || ttf._variationProcessor) return;
  const records = new Map<number, GlyphRecord>();
  const record = (id: number): GlyphRecord => {
    let known = records.get(id);
    if (known === undefined) {
      known = readGlyph(ttf, id);
      records.set(id, known);
    }
    return known;
  };
  const createSubset = font.createSubset.bind(font);
  // fontkit's own file of the smallest subset (glyph 0 alone) gives the fixed tables.
  const template = readTemplate(createSubset().encode());
  const locaVersion = ttf.loca.version;
  font.createSubset = () => {
    const subset = createSubset() as unknown as TrueTypeSubset;
    subset.encode = function (this: TrueTypeSubset): Uint8Array {
      const glyphs: Uint8Array[] = [];
      const metrics: GlyphRecord[] = [];
      // As fontkit does: a composite includes its parts, which this loop then reaches.
      for (let i = 0; i < this.glyphs.length; i++) {
        const glyph = record(this.glyphs[i]);
        let bytes = glyph.data;
        if (glyph.components) {
          // A composite names its parts by glyph id: renumber them as the subset does.
          bytes = new Uint8Array(glyph.data);
          const view = new DataView(bytes.buffer);
          for (const part of glyph.components) {
            view.setUint16(part.pos, this.includeGlyph(part.glyphID));
          }
        }
        glyphs.push(bytes);
        metrics.push(glyph);
      }
      return writeFont(template, glyphs, metrics, locaVersion);
    };
    return subset as unknown as fontkit.Subset;
  };
}

/** What fontkit's `TTFSubset._addGlyph` reads of a glyph, read the way it reads it. */
function readGlyph(font: TrueTypeFont, id: number): GlyphRecord {
  const glyph = font.getGlyph(id);
  const decoded = glyph._decode();
  const start = font.loca.offsets[id];
  const stream = font._getTableStream('glyf');
  stream.pos += start;
  const data = stream.readBuffer(font.loca.offsets[id + 1] - start);
  const composite = decoded !== null && decoded.numberOfContours < 0;
  return {
    data,
    components: composite
      ? decoded.components!.map(({ glyphID, pos }) => ({ glyphID, pos }))
      : undefined,
    advance: glyph.advanceWidth,
    bearing: glyph._getMetrics().leftBearing,
  };
}

const GLYPH_TABLES = new Set(['loca', 'glyf', 'hmtx']);

/** The tables of a font file (sfnt): directory order, bytes of the fixed ones. */
function readTemplate(file: Uint8Array): Template {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const template: Template = [];
  for (let i = 0; i < view.getUint16(4); i++) {
    const entry = 12 + 16 * i;
    const tag = String.fromCharCode(...file.subarray(entry, entry + 4));
    const offset = view.getUint32(entry + 8);
    const bytes = file.slice(offset, offset + view.getUint32(entry + 12));
    template.push({ tag, bytes: GLYPH_TABLES.has(tag) ? undefined : bytes });
  }
  return template;
}

/**
 * A TrueType file as fontkit 2.0.4's `TTFSubset.encode` writes it: a directory (checksums
 * 0) then the tables back to back; loca in the source font's format; every glyph with its
 * advance and left side bearing in hmtx; the glyph count in maxp and hhea.
 */
function writeFont(
  template: Template,
  glyphs: Uint8Array[],
  metrics: GlyphRecord[],
  locaVersion: number,
): Uint8Array {
  const glyfLength = glyphs.reduce((sum, glyph) => sum + glyph.length, 0);
  const locaLength = (glyphs.length + 1) * (locaVersion === 0 ? 2 : 4);
  const lengths = template.map(({ tag, bytes }) =>
    tag === 'glyf'
      ? glyfLength
      : tag === 'loca'
        ? locaLength
        : tag === 'hmtx'
          ? 4 * metrics.length
          : bytes!.length,
  );
  const directory = 12 + 16 * template.length;
  const file = new Uint8Array(directory + lengths.reduce((sum, length) => sum + length, 0));
  const view = new DataView(file.buffer);
  view.setUint32(0, 0x74727565); // 'true', as fontkit writes it
  view.setUint16(4, template.length);
  const searchRange = 2 ** Math.floor(Math.log2(template.length));
  view.setUint16(6, searchRange * 16);
  view.setUint16(8, Math.log2(searchRange));
  view.setUint16(10, template.length * 16 - searchRange * 16);
  let offset = directory;
  template.forEach(({ tag, bytes }, i) => {
    const entry = 12 + 16 * i;
    for (let c = 0; c < 4; c++) file[entry + c] = tag.charCodeAt(c);
    view.setUint32(entry + 8, offset);
    view.setUint32(entry + 12, lengths[i]);
    if (tag === 'glyf') {
      let at = offset;
      for (const glyph of glyphs) {
        file.set(glyph, at);
        at += glyph.length;
      }
    } else if (tag === 'loca') {
      let at = 0;
      for (let g = 0; g <= glyphs.length; g++) {
        if (locaVersion === 0) view.setUint16(offset + 2 * g, at >>> 1);
        else view.setUint32(offset + 4 * g, at);
        at += glyphs[g]?.length ?? 0;
      }
    } else if (tag === 'hmtx') {
      metrics.forEach(({ advance, bearing }, g) => {
        view.setUint16(offset + 4 * g, advance);
        view.setInt16(offset + 4 * g + 2, bearing);
      });
    } else {
      file.set(bytes!, offset);
      if (tag === 'maxp') view.setUint16(offset + 4, glyphs.length); // numGlyphs
      if (tag === 'hhea') view.setUint16(offset + 34, metrics.length); // numberOfMetrics
    }
    offset += lengths[i];
  });
  return file;
}
