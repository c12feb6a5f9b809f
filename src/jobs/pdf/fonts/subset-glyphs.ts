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
  loca: { offsets: number[] };
  _getTableStream(tag: 'glyf'): { pos: number; readBuffer(length: number): Uint8Array };
  getGlyph(id: number): TrueTypeGlyph;
}
interface TrueTypeGlyph {
  advanceWidth: number;
  _decode(): { numberOfContours: number; components?: { glyphID: number; pos: number }[] } | null;
  _getMetrics(): { leftBearing: number };
}

/** fontkit 2.0.4's TTFSubset, as far as its `_addGlyph` uses it. */
interface TrueTypeSubset {
  glyf: Uint8Array[];
  loca: { offsets: number[] };
  hmtx: { metrics: { advance: number; bearing: number }[] };
  offset: number;
  includeGlyph(id: number): number;
  _addGlyph(id: number): number;
}

/**
 * Makes the subsets of `font` (pdfkit asks for one per document) take each glyph from a
 * table kept for the thread. fontkit's `TTFSubset._addGlyph` decodes the glyph's whole
 * outline to learn whether it is composite, and reads its metrics, in every document: a
 * third of the time pdfkit spent embedding a font. The subset's bytes are the same; this
 * only remembers what fontkit computed the first time. TrueType outlines only: CFF and
 * variable fonts keep fontkit's own subset.
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
  font.createSubset = () => {
    const subset = createSubset() as unknown as TrueTypeSubset;
    subset._addGlyph = function (this: TrueTypeSubset, id: number): number {
      const { data, components, advance, bearing } = record(id);
      let bytes = data;
      if (components) {
        // A composite names its parts by glyph id: renumber them as the subset numbers them.
        bytes = new Uint8Array(data);
        const view = new DataView(bytes.buffer);
        for (const part of components) view.setUint16(part.pos, this.includeGlyph(part.glyphID));
      }
      this.glyf.push(bytes);
      this.loca.offsets.push(this.offset);
      this.hmtx.metrics.push({ advance, bearing });
      this.offset += bytes.length;
      return this.glyf.length - 1;
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
