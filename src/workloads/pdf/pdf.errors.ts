import { formatCodePoint, type MissingGlyph } from './text/glyph-check';

/**
 * A character of the report has no glyph in any configured font, and
 * `PDF_MISSING_GLYPHS` is `refuse`: drawing it would show a blank or a box, silently.
 * From a pool thread it arrives as a plain object with the same fields (see pdf.worker.ts).
 */
export class MissingGlyphError extends Error {
  override readonly name = 'MissingGlyphError';
  /** The field, e.g. `sections[0].body`. */
  readonly field: string;
  /** The character as `U+1F600`. */
  readonly codePoint: string;

  constructor({ field, codePoint }: MissingGlyph) {
    const written = formatCodePoint(codePoint);
    super(
      `${field} contains ${written} ${JSON.stringify(String.fromCodePoint(codePoint))}, ` +
        "which none of the service's fonts can draw",
    );
    this.field = field;
    this.codePoint = written;
  }
}
