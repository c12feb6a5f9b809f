import { Inject, Module, Optional } from '@nestjs/common';
import { poolTaskRoute, RouteDeadlines } from '../../common/http/deadlines';
import { workerPoolConfig, type WorkerPoolConfig } from '../../config';
import { JobsModule } from '../../jobs';
import { pdfReportJob, PdfReportJob } from './pdf-report.job';
import { PdfController } from './pdf.controller';
import { PdfService } from './pdf.service';

/**
 * `POST /pdf/report`: renders a JSON report to PDF on a pool thread (pdf.worker.ts). Its JSON
 * body is parsed by the app's JSON content-type parser within `PDF_MAX_BODY_BYTES` (the
 * route's `@RouteBody`). Needs `WorkerPoolModule` in the app (global, as AppModule imports
 * it) and the `pdf` config; `JobsModule.forRoot()` for its job type.
 */
@Module({
  // POST /jobs/pdf-report: the same report as a queued job (src/jobs).
  imports: [JobsModule.forFeature(pdfReportJob)],
  controllers: [PdfController],
  providers: [PdfService, PdfReportJob],
})
export class PdfModule {
  constructor(
    @Optional() deadlines?: RouteDeadlines,
    @Optional() @Inject(workerPoolConfig.KEY) pool?: WorkerPoolConfig,
  ) {
    if (pool) deadlines?.register(poolTaskRoute('/pdf/report', pool.taskTimeoutMs));
  }
}
