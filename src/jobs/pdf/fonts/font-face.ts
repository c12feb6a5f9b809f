import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
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

/** A font of the report: what pdfkit draws with, what it covers, how wide text is. */
export interface Face {
  /** The name each document registers it under. */
  readonly name: string;
  /** What pdfkit embeds: a fontkit font, or the name of a built-in PDF font. */
  readonly src: fontkit.Font | string;
  /** Height above the baseline at size 1000, for a line box as pdfkit draws it. */
  readonly ascent: number;
  /** Whether the font has a glyph for the code point. */
  has(codePoint: number): boolean;
  /** Advance width of `text` at size 1000 (text without line breaks). */
  advance(text: string, doc: Doc): number;
  /** Readies the font for a new document; call before the document draws with it. */
  startDocument(): void;
}

/** A font file that cannot be used; the message says why. */
export class UnusableFontError extends Error {
  override readonly name = 'UnusableFontError';
}

/** Shaped words kept per font and thread; cleared when full, so memory stays bounded. */
const MAX_CACHED_WORDS = 20_000;

/**
 * Reads a TrueType/OpenType font file (`.ttf`, `.otf`, `.woff`, or one face of a `.ttc`:
 * `file.ttc#PostScriptName`, the first face without a name).
 *
 * @throws {@link UnusableFontError} naming the file when it is not such a font.
 */
export function loadFontFile(entry: string, name: string): Face {
  const cut = entry.indexOf('#');
  const file = cut === -1 ? entry : entry.slice(0, cut);
  const wanted = cut === -1 ? undefined : entry.slice(cut + 1);
  let loaded: fontkit.Font | fontkit.FontCollection;
  try {
    loaded = fontkit.create(readFileSync(file));
  } catch (error) {
    throw new UnusableFontError(
      `${file} is not a font fontkit can read: ${(error as Error).message}`,
    );
  }
  const faces = 'fonts' in loaded ? loaded.fonts : [loaded];
  const font = wanted === undefined ? faces[0] : faces.find((f) => f.postscriptName === wanted);
  if (!font) {
    const names = faces.map((f) => f.postscriptName).join(', ');
    throw new UnusableFontError(`${file} has no font named ${wanted} (it has ${names})`);
  }
  // fontkit reads WOFF2, but pdfkit's subset of it has empty glyphs: text that copies but
  // does not show. Checked with fontkit 2.0.4 / pdfkit 0.20.2.
  if (font.type === 'WOFF2') {
    throw new UnusableFontError(`${file} is WOFF2, which pdfkit embeds with blank glyphs`);
  }
  return embeddedFace(name, font);
}

/** A word shaped left to right, in font units: what pdfkit asks for again and again. */
interface ShapedWord {
  glyphs: fontkit.Glyph[];
  positions: fontkit.GlyphPosition[];
  advanceWidth: number;
}

/**
 * What `layout()` hands pdfkit from the cache: the shared glyphs, positions of its own
 * (pdfkit scales them in place), and the advance summed from them, as fontkit's GlyphRun does.
 */
class CachedRun {
  constructor(
    readonly glyphs: fontkit.Glyph[],
    readonly positions: fontkit.GlyphPosition[],
  ) {}

  get advanceWidth(): number {
    let width = 0;
    for (const position of this.positions) width += position.xAdvance;
    return width;
  }
}

function embeddedFace(name: string, font: fontkit.Font): Face {
  const shape = font.layout.bind(font);
  const words = new Map<string, ShapedWord>();
  // pdfkit shapes text word by word (each with its trailing space) and caches the words
  // per document; this cache is per thread, so a word is shaped once, not once a report.
  const shaped = (word: string): ShapedWord => {
    let cached = words.get(word);
    if (cached === undefined) {
      if (words.size >= MAX_CACHED_WORDS) words.clear();
      const run = shape(word, undefined, undefined, undefined, 'ltr');
      cached = { glyphs: run.glyphs, positions: run.positions, advanceWidth: run.advanceWidth };
      words.set(word, cached);
    }
    return cached;
  };
  font.layout = (text, features) => {
    if (features === RTL) return shape(text, undefined, undefined, undefined, 'rtl');
    if (features) return shape(text, features, undefined, undefined, 'ltr');
    const { glyphs, positions } = shaped(text);
    return new CachedRun(
      glyphs,
      positions.map((p) => ({ ...p })),
    ) as unknown as fontkit.GlyphRun;
  };
  cacheSubsetGlyphs(font);
  const scale = 1000 / font.unitsPerEm;
  return {
    name,
    src: font,
    ascent: font.ascent * scale,
    advance: (text) => {
      let width = 0;
      let start = 0;
      for (let space = text.indexOf(' '); space !== -1; space = text.indexOf(' ', start)) {
        width += shaped(text.slice(start, space + 1)).advanceWidth;
        start = space + 1;
      }
      if (start < text.length) width += shaped(text.slice(start)).advanceWidth;
      return width * scale;
    },
    has: (codePoint) => font.hasGlyphForCodePoint(codePoint),
    startDocument: () => {
      // fontkit keeps one Glyph per id, with the code points it was first asked for, and
      // pdfkit writes those into the ToUnicode map. A document's subset asks for the parts
      // of composite glyphs with none ("I" of "İ"), so a font shared across documents would
      // lose such letters from copied text. A fresh glyph cache per document (parsed tables
      // stay) is what pdfkit assumes. Cached words keep the glyphs their shaping made, with
      // the right code points.
      (font as unknown as { _glyphs: object })._glyphs = {};
      // The space glyph also stands in for hidden format characters (ZWNJ…): ask for it as
      // U+0020 first, so copied spaces stay spaces.
      font.glyphForCodePoint(0x20);
    },
  };
}

// What pdfkit's built-in fonts can show: WinAnsiEncoding (Windows-1252), less controls.
const WIN_ANSI = new Set([
  ...range(0x20, 0x7e),
  ...range(0xa0, 0xff),
  ...[0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014],
  ...[0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030],
  ...[0x2039, 0x203a, 0x20ac, 0x2122],
]);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** One of pdfkit's built-in fonts (e.g. `Helvetica`): not embedded, WinAnsi characters only. */
export function builtInFace(name: string): Face {
  return {
    name,
    src: name,
    ascent: 718, // Helvetica's and Helvetica-Bold's AFM Ascender, what pdfkit uses for them
    has: (codePoint) => WIN_ANSI.has(codePoint),
    // pdfkit measures these from its AFM metrics, cheaply, in the document at hand. This
    // changes the document's font: whoever draws next sets font and size first.
    advance: (text, doc) => doc.font(name, 1000).widthOfString(text),
    startDocument: () => undefined,
  };
}
