import { registerAs } from '@nestjs/config';
import { envInt } from './env';

export interface PdfConfig {
  /** A report longer than this fails with 413. `PDF_MAX_PAGES`, default 200. */
  maxPages: number;
  /** Largest accepted JSON body for a report. `PDF_MAX_BODY_BYTES`, default 1 MiB. */
  maxBodyBytes: number;
}

export const pdfConfig = registerAs('pdf', (): PdfConfig => ({
  maxPages: envInt(process.env, 'PDF_MAX_PAGES', { default: 200, min: 1, max: 10_000 }),
  maxBodyBytes: envInt(process.env, 'PDF_MAX_BODY_BYTES', {
    default: 1024 * 1024,
    min: 1024,
    max: 64 * 1024 * 1024,
  }),
}));
