import { Inject, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { pdfConfig, type PdfConfig } from '../../config';
import { defineThreadTask, WorkerPool } from '../../concurrency/worker-pool';
import type * as PdfWorker from './pdf.worker';
import type { ReportInput } from './report.types';

/** pdfkit is pure JavaScript: its CPU time belongs on a pool thread, off the event loop. */
export const renderReportTask = defineThreadTask<typeof PdfWorker>()(
  require.resolve('./pdf.worker'),
  'renderReportTask',
);

@Injectable()
export class PdfService {
  constructor(
    private readonly pool: WorkerPool,
    @Inject(pdfConfig.KEY) private readonly config: PdfConfig,
  ) {}

  async render(report: ReportInput, signal: AbortSignal): Promise<Buffer> {
    try {
      const bytes = await this.pool.run(
        renderReportTask,
        { report, maxPages: this.config.maxPages },
        { signal },
      );
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      // Errors cross the thread by structured clone: the class is lost, the name is kept.
      if ((error as Error | undefined)?.name === 'ReportTooLongError') {
        throw new PayloadTooLargeException((error as Error).message);
      }
      throw error;
    }
  }
}
