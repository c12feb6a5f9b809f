import { envEnum, envFiles, envInt } from './env';

export type PdfBaseFont = 'dejavu' | 'helvetica';
export type PdfMissingGlyphs = 'refuse' | 'replace';

export interface PdfConfig {
  /** A report longer than this fails with 413. `PDF_MAX_PAGES`, default 200. */
  maxPages: number;
  /** Largest accepted JSON body for a report. `PDF_MAX_BODY_BYTES`, default 1 MiB. */
  maxBodyBytes: number;
  /**
   * The first font of every report. `dejavu`: DejaVu Sans and DejaVu Sans Bold, embedded
   * (Latin, Greek, Cyrillic, Hebrew, Arabic and more). `helvetica`: pdfkit's built-in
   * Helvetica, not embedded, Western European characters only (smaller files).
   * `PDF_BASE_FONT`, default `dejavu`.
   */
  baseFont: PdfBaseFont;
  /**
   * Fallback font files, in order, for characters the base font lacks (CJK, Devanagari…):
   * absolute paths, `file.ttc#PostScriptName` for one face of a collection. Checked to be
   * readable at boot. `PDF_FONTS`, comma-separated, default none.
   */
  fallbackFonts: string[];
  /**
   * What to do with a character no font has: `refuse` the report (422, naming it) or
   * `replace` it with U+FFFD. `PDF_MISSING_GLYPHS`, default `refuse`.
   */
  missingGlyphs: PdfMissingGlyphs;
}

/** More fallbacks than any report needs; bounds the fonts each pool thread holds. */
const MAX_FALLBACK_FONTS = 16;

export const readPdfConfig = (): PdfConfig => ({
  maxPages: envInt(process.env, 'PDF_MAX_PAGES', { default: 200, min: 1, max: 10_000 }),
  maxBodyBytes: envInt(process.env, 'PDF_MAX_BODY_BYTES', {
    default: 1024 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
  }),
  baseFont: envEnum<PdfBaseFont>(process.env, 'PDF_BASE_FONT', ['dejavu', 'helvetica'], 'dejavu'),
  // `#` picks a face of a font collection: it is not part of the file's name.
  fallbackFonts: envFiles(process.env, 'PDF_FONTS', { max: MAX_FALLBACK_FONTS, suffix: '#' }),
  missingGlyphs: envEnum<PdfMissingGlyphs>(
    process.env,
    'PDF_MISSING_GLYPHS',
    ['refuse', 'replace'],
    'refuse',
  ),
});
