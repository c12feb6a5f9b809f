/** What a PDF report is made of. Validated before it gets here. */
import type { PdfMissingGlyphs } from '../../config';
import type { FontSpec } from './fonts/font-book';

export interface ReportSection {
  heading: string;
  body: string;
}

export interface ReportTable {
  columns: string[];
  rows: (string | number)[][];
}

export interface ReportInput {
  title: string;
  subtitle?: string;
  sections?: ReportSection[];
  table?: ReportTable;
}

export interface RenderOptions {
  /** Rendering stops with {@link ReportTooLongError} once the report needs more pages. */
  maxPages: number;
  /** The fonts to draw with (`PDF_BASE_FONT`, `PDF_FONTS`). */
  fonts: FontSpec;
  /** A character no font has: `refuse` (MissingGlyphError) or `replace` (U+FFFD). */
  missingGlyphs: PdfMissingGlyphs;
  /** Asked once per page: true stops the rendering with {@link RenderCancelledError}. */
  cancelled?: () => boolean;
}

/**
 * The report needs more than `maxPages` pages. Code on the main thread matches on `name`:
 * from a worker thread it arrives as a plain object (see pdf.worker.ts), not this class.
 */
/** The rendering was stopped because its caller no longer wants it (`RenderOptions.cancelled`). */
export class RenderCancelledError extends Error {
  constructor() {
    super('The rendering was cancelled');
    this.name = 'RenderCancelledError';
  }
}

export class ReportTooLongError extends Error {
  constructor(readonly maxPages: number) {
    super(`The report needs more than ${maxPages} pages`);
    this.name = 'ReportTooLongError';
  }
}
