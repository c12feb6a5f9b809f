import type { FontBook } from '../fonts/font-book';
import type { ReportInput } from '../report.types';

/** A character of the report that no font of the book can draw, and where it is. */
export interface MissingGlyph {
  /** The field, as validation names fields: `title`, `sections[0].body`, `table.rows[2][1]`. */
  field: string;
  codePoint: number;
}

/** What is drawn in place of a character no font has, with `PDF_MISSING_GLYPHS=replace`. */
export const REPLACEMENT_CHARACTER = 0xfffd;

// Characters that need no glyph: line breaks and tabs (laid out as breaks and spaces), and
// format characters that are never drawn (bidi marks, joiners, variation selectors).
const NEEDS_NO_GLYPH = /[\t\n\r\p{Default_Ignorable_Code_Point}]/u;

/** Every text field of a report with its name, in the order validation reads them. */
export function* reportTexts(report: ReportInput): Generator<[field: string, text: string]> {
  yield ['title', report.title];
  if (report.subtitle !== undefined) yield ['subtitle', report.subtitle];
  for (const [i, section] of (report.sections ?? []).entries()) {
    yield [`sections[${i}].heading`, section.heading];
    yield [`sections[${i}].body`, section.body];
  }
  for (const [i, column] of (report.table?.columns ?? []).entries()) {
    yield [`table.columns[${i}]`, column];
  }
  for (const [r, row] of (report.table?.rows ?? []).entries()) {
    for (const [c, cell] of row.entries()) {
      if (typeof cell === 'string') yield [`table.rows[${r}][${c}]`, cell];
    }
  }
}

/**
 * The first character of the report, in field order, that no font of the book has.
 * Linear in the report's length: each code point is looked up once per book
 * (FontChain remembers it), so a 1 MiB body costs milliseconds.
 */
export function findMissingGlyph(report: ReportInput, book: FontBook): MissingGlyph | undefined {
  for (const [field, text] of reportTexts(report)) {
    const codePoint = firstMissing(text, book);
    if (codePoint !== undefined) return { field, codePoint };
  }
  return undefined;
}

function firstMissing(text: string, book: FontBook): number | undefined {
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    // ASCII letters and digits are in every base font: skip the lookups for most text.
    if (codePoint < 0x7f && codePoint >= 0x20) continue;
    if (!book.covers(codePoint) && !NEEDS_NO_GLYPH.test(char)) return codePoint;
  }
  return undefined;
}

/** Replaces each character no font of the book has with U+FFFD. */
export function replaceMissing(text: string, book: FontBook): string {
  if (firstMissing(text, book) === undefined) return text;
  let out = '';
  for (const char of text) {
    const codePoint = char.codePointAt(0)!;
    const missing = !book.covers(codePoint) && !NEEDS_NO_GLYPH.test(char);
    out += missing ? String.fromCodePoint(REPLACEMENT_CHARACTER) : char;
  }
  return out;
}

/** `U+1F600`: how the Unicode standard writes a code point. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
