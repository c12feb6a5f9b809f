import {
  Inject,
  Injectable,
  type OnModuleInit,
  PayloadTooLargeException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InvalidEnvironmentError, pdfConfig, type PdfConfig } from '../../config';
import { defineThreadTask, WorkerPool } from '../../concurrency/worker-pool';
import { type FontBook, fontBook, type FontSpec } from './fonts/font-book';
import { UnusableFontError } from './fonts/font-face';
import { MissingGlyphError } from './pdf.errors';
import type * as PdfWorker from './pdf.worker';
import type { MissingGlyphFailure, ReportFailure } from './pdf.worker';
import type { ReportInput } from './report.types';
import { findMissingGlyph, REPLACEMENT_CHARACTER } from './text/glyph-check';

/**
 * pdfkit is pure JavaScript: its CPU time belongs on a pool thread, off the event loop. A
 * report nobody waits for stops at its next page (a page takes milliseconds); its thread is
 * stopped only if it is still rendering a second later.
 */
export const renderReportTask = defineThreadTask<typeof PdfWorker>()(
  require.resolve('./pdf.worker'),
  'renderReportTask',
  { cancelGraceMs: 1000 },
);

@Injectable()
export class PdfService implements OnModuleInit {
  private readonly fonts: FontSpec;
  private book?: FontBook;

  constructor(
    private readonly pool: WorkerPool,
    @Inject(pdfConfig.KEY) private readonly config: PdfConfig,
  ) {
    this.fonts = { base: config.baseFont, fallbacks: config.fallbackFonts };
  }

  /**
   * Loads the fonts on the main thread too, for the check before queueing: a file in
   * PDF_FONTS that is not a usable font stops the service here, naming it.
   */
  onModuleInit(): void {
    try {
      this.book = fontBook(this.fonts);
    } catch (error) {
      if (!(error instanceof UnusableFontError)) throw error;
      const value = this.config.fallbackFonts.join(',');
      throw new InvalidEnvironmentError('PDF_FONTS', value, `usable font files; ${error.message}`);
    }
    if (this.config.missingGlyphs === 'replace' && !this.book.covers(REPLACEMENT_CHARACTER)) {
      throw new InvalidEnvironmentError(
        'PDF_MISSING_GLYPHS',
        'replace',
        'refuse, or a font with U+FFFD (the replacement character) in PDF_FONTS',
      );
    }
  }

  /**
   * Throws the 422 for a character no font has (with `PDF_MISSING_GLYPHS=refuse`): refused
   * input costs a scan of its text, not a render, nor a place in a queue.
   */
  checkGlyphs(report: ReportInput): void {
    const missing =
      this.config.missingGlyphs === 'refuse' && this.book && findMissingGlyph(report, this.book);
    if (missing) {
      const { message, field, codePoint } = new MissingGlyphError(missing);
      throw unprocessable({ name: 'MissingGlyphError', message, field, codePoint });
    }
  }

  async render(report: ReportInput, signal: AbortSignal): Promise<Buffer> {
    this.checkGlyphs(report);
    try {
      const bytes = await this.pool.run(
        renderReportTask,
        {
          report,
          maxPages: this.config.maxPages,
          fonts: this.fonts,
          missingGlyphs: this.config.missingGlyphs,
        },
        { signal },
      );
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // Errors cross the thread by structured clone: the class is lost, the name is kept.
      const failure = error as Partial<ReportFailure> | undefined;
      if (failure?.name === 'ReportTooLongError') {
        throw new PayloadTooLargeException(failure.message);
      }
      if (failure?.name === 'MissingGlyphError')
        throw unprocessable(failure as MissingGlyphFailure);
      throw error;
    }
  }
}

/** 422 in the API's error shape, with the field and the character as fields of their own. */
function unprocessable({
  message,
  field,
  codePoint,
}: MissingGlyphFailure): UnprocessableEntityException {
  return new UnprocessableEntityException({
    statusCode: 422,
    error: 'Unprocessable Entity',
    message,
    field,
    codePoint,
  });
}
