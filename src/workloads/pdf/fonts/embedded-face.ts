import type * as fontkit from 'fontkit';
import type { Face } from './font-face';
import { cacheSubsetGlyphs } from './subset-glyphs';

type Doc = PDFKit.PDFDocument;

/**
 * pdfkit's `features` option that draws a run right to left. pdfkit calls
 * `font.layout(text, features)` without a direction, and fontkit then guesses one from the
 * script of the text: Arabic-Indic digits would come out reversed and a run of neutrals
 * (", ") never would. The text layout knows each run's bidi level, so the fonts loaded here
 * take the direction from this marker instead: `RTL` shapes the run in logical order and
 * returns its glyphs in visual order (right to left); anything else is left to right.
 */
export const RTL: string[] = [];

/**
 * A word shaped left to right as pdfkit 0.20's `EmbeddedFont.layoutRun` leaves it:
 * positions and widths in thousandths of an em, each position with its glyph's
 * `advanceWidth`. Shared by every document of the thread: read only once made.
 */
interface Run {
  glyphs: fontkit.Glyph[];
  positions: (fontkit.GlyphPosition & { advanceWidth: number })[];
  advanceWidth: number;
}

type Runs = Record<string, Run>;

/** The part of pdfkit 0.20's `EmbeddedFont` (a font of one document) used here. */
interface PdfKitFont {
  /** pdfkit's per-document cache of laid-out words, read by `layoutCached()`. */
  layoutCache?: Runs;
}

/**
 * A font file's face. Words are shaped once per thread, not once per document: the
 * measuring of the text layout and pdfkit's drawing share one table of laid-out words,
 * which each document's pdfkit font gets as its own cache (pdfkit fills it with what it
 * shapes itself). Glyphs of the subsets come from a table per thread too.
 *
 * @param maxWords - Laid-out words kept; the table starts over when full, so memory stays
 *   bounded. Default 20 000.
 */
export function embeddedFace(name: string, font: fontkit.Font, maxWords = 20_000): Face {
  const shape = font.layout.bind(font);
  const scale = 1000 / font.unitsPerEm;
  let runs: Runs = Object.create(null) as Runs;
  let size = 0;
  // Every word pdfkit shapes goes through font.layout: count them, so the table stays bounded.
  const counted = (): void => {
    if (++size > maxWords) {
      runs = Object.create(null) as Runs; // a document holding the old table keeps it to its end
      size = 1;
    }
  };
  const run = (word: string): Run => {
    let known = runs[word];
    if (known === undefined) {
      counted();
      known = inThousandths(shape(word, undefined, undefined, undefined, 'ltr'), scale);
      runs[word] = known;
    }
    return known;
  };
  font.layout = (text, features) => {
    if (features === RTL) return shape(text, undefined, undefined, undefined, 'rtl');
    if (!features) counted(); // a word pdfkit did not find in `runs`: it stores it there
    return shape(text, features, undefined, undefined, 'ltr');
  };
  cacheSubsetGlyphs(font);
  // Which document the table was last handed to: documents of a thread are drawn one by one.
  let current: PdfKitFont | undefined;
  return {
    name,
    src: font,
    ascent: font.ascent * scale,
    advance: (text) => {
      // pdfkit's words: each with its trailing space, the last one without.
      let width = 0;
      let start = 0;
      for (let space = text.indexOf(' '); space !== -1; space = text.indexOf(' ', start)) {
        width += run(text.slice(start, space + 1)).advanceWidth;
        start = space + 1;
      }
      if (start < text.length) width += run(text.slice(start)).advanceWidth;
      return width;
    },
    use: (doc, fontSize) => {
      doc.font(name, fontSize);
      const pdfFont = (doc as Doc & { _font: PdfKitFont })._font;
      if (pdfFont !== current) {
        pdfFont.layoutCache = runs;
        current = pdfFont;
      }
    },
    has: (codePoint) => font.hasGlyphForCodePoint(codePoint),
    startDocument: () => {
      // fontkit keeps one Glyph per id, with the code points it was first asked for, and
      // pdfkit writes those into the ToUnicode map. A document's subset asks for the parts
      // of composite glyphs with none ("I" of "İ"), so a font shared across documents would
      // lose such letters from copied text. A fresh glyph cache per document (parsed tables
      // stay) is what pdfkit assumes. Laid-out words keep the glyphs their shaping made,
      // with the right code points.
      (font as unknown as { _glyphs: object })._glyphs = {};
      // The space glyph also stands in for hidden format characters (ZWNJ…): ask for it as
      // U+0020 first, so copied spaces stay spaces.
      font.glyphForCodePoint(0x20);
    },
  };
}

/** What pdfkit's `layoutRun` makes of a glyph run: font units scaled to thousandths of an em. */
function inThousandths(glyphRun: fontkit.GlyphRun, scale: number): Run {
  const { glyphs } = glyphRun;
  const positions = glyphRun.positions as Run['positions'];
  let advanceWidth = 0;
  for (let i = 0; i < positions.length; i++) {
    const position = positions[i];
    position.xAdvance *= scale;
    position.yAdvance *= scale;
    position.xOffset *= scale;
    position.yOffset *= scale;
    position.advanceWidth = glyphs[i].advanceWidth * scale;
    advanceWidth += position.xAdvance;
  }
  return { glyphs, positions, advanceWidth };
}
