import { readFileSync } from 'node:fs';
import * as fontkit from 'fontkit';
import { embeddedFace } from './embedded-face';

export { RTL } from './embedded-face';

type Doc = PDFKit.PDFDocument;

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
  /** Makes this the document's current font, at `size` points. */
  use(doc: Doc, size: number): void;
  /** Readies the font for a new document; call before the document draws with it. */
  startDocument(): void;
}

/** A font file that cannot be used; the message says why. */
export class UnusableFontError extends Error {
  override readonly name = 'UnusableFontError';
}

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
    use: (doc, size) => void doc.font(name, size),
    startDocument: () => undefined,
  };
}
