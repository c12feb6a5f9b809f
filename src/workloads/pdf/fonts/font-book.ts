import type { PdfBaseFont } from '../../../config';
import { builtInFace, type Face, loadFontFile } from './font-face';

type Doc = PDFKit.PDFDocument;

/** Which fonts a report is drawn with; plain data, so it crosses to pool threads. */
export interface FontSpec {
  base: PdfBaseFont;
  /** Font files tried in order for what the base font lacks (`PDF_FONTS`). */
  fallbacks: string[];
}

// DejaVu Sans: Latin (extended), Greek, Cyrillic, Hebrew, Arabic and more, under a free
// licence (Bitstream Vera + public domain changes), from the dejavu-fonts-ttf package.
const DEJAVU = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
};

/** Faces in the order they are tried, with the first face of each code point remembered. */
export class FontChain {
  // 0: not looked up yet, -1: no face has it, n: faces[n - 1]. Typed arrays over the whole
  // code space make each lookup O(1) after the first: 2 × 1.1 MB per thread.
  private readonly memo = new Int8Array(0x110000);

  constructor(readonly faces: readonly Face[]) {}

  /** Index in `faces` of the first face with a glyph for the code point, -1 if none. */
  first(codePoint: number): number {
    const known = this.memo[codePoint];
    if (known !== 0) return known === -1 ? -1 : known - 1;
    const index = this.faces.findIndex((face) => face.has(codePoint));
    this.memo[codePoint] = index === -1 ? -1 : index + 1;
    return index;
  }
}

/**
 * The fonts of a report: the base font's regular and bold faces, then the fallbacks. Bold
 * text tries bold first and regular next (DejaVu Sans Bold has no Hebrew or Arabic), and
 * regular text the other way round; fallbacks serve both weights as they are.
 */
export class FontBook {
  readonly regular: FontChain;
  readonly bold: FontChain;

  constructor(spec: FontSpec) {
    const [regular, bold] =
      spec.base === 'helvetica'
        ? [builtInFace('Helvetica'), builtInFace('Helvetica-Bold')]
        : [loadFontFile(DEJAVU.regular, 'base'), loadFontFile(DEJAVU.bold, 'base-bold')];
    const fallbacks = spec.fallbacks.map((file, i) => loadFontFile(file, `fallback-${i + 1}`));
    this.regular = new FontChain([regular, bold, ...fallbacks]);
    this.bold = new FontChain([bold, regular, ...fallbacks]);
  }

  /** Whether some font of the book can draw the code point. */
  covers(codePoint: number): boolean {
    return this.regular.first(codePoint) !== -1;
  }

  /** Makes the faces known to a new document by name (embedded only once they are used). */
  register(doc: Doc): void {
    for (const face of this.regular.faces) face.startDocument();
    // pdfkit 0.20 takes a fontkit font as a source (PDFFontFactory.open), its types do not.
    type Source = Parameters<Doc['registerFont']>[1];
    for (const face of this.regular.faces) doc.registerFont(face.name, face.src as Source);
  }
}

const books = new Map<string, FontBook>();

/**
 * The font book of `spec`, loaded on the first call in this thread and kept: each pool
 * thread reads the font files once, not once per report.
 */
export function fontBook(spec: FontSpec): FontBook {
  const key = JSON.stringify([spec.base, spec.fallbacks]);
  let book = books.get(key);
  if (!book) {
    book = new FontBook(spec);
    books.set(key, book);
  }
  return book;
}
