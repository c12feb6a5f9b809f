import { Module } from '@nestjs/common';
import { PdfController } from './pdf.controller';
import { PdfService } from './pdf.service';

/**
 * `POST /pdf/report`: renders a JSON report to PDF on a pool thread (pdf.worker.ts).
 * Needs `WorkerPoolModule` in the app (global, as AppModule imports it) and the `pdf` config.
 */
@Module({
  controllers: [PdfController],
  providers: [PdfService],
})
export class PdfModule {}
