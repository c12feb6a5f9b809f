import { Inject, Module, Optional } from '@nestjs/common';
import { isPath, RouteDeadlines } from '../../common/http/deadlines';
import { workerPoolConfig, type WorkerPoolConfig } from '../../config';
import { PdfController } from './pdf.controller';
import { PdfService } from './pdf.service';

/**
 * `POST /pdf/report`: renders a JSON report to PDF on a pool thread (pdf.worker.ts). Its JSON
 * body is parsed by the app's JSON content-type parser within `PDF_MAX_BODY_BYTES` (the
 * route's `@RouteBody`). Needs `WorkerPoolModule` in the app (global, as AppModule imports
 * it) and the `pdf` config.
 */
@Module({
  controllers: [PdfController],
  providers: [PdfService],
})
export class PdfModule {
  constructor(
    @Optional() deadlines?: RouteDeadlines,
    @Optional() @Inject(workerPoolConfig.KEY) pool?: WorkerPoolConfig,
  ) {
    // The pool's task deadline, queue wait included, is this route's.
    if (pool)
      deadlines?.register({
        method: 'POST',
        route: '/pdf/report',
        matches: (path) => isPath('/pdf/report', path),
        ms: () => pool.taskTimeoutMs,
      });
  }
}
