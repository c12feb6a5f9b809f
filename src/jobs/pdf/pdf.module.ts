import { Inject, type MiddlewareConsumer, Module, type NestModule, Optional } from '@nestjs/common';
import { isPath, RouteDeadlines } from '../../common/http/deadlines';
import { workerPoolConfig, type WorkerPoolConfig } from '../../config';
import { JsonBodyMiddleware } from './json-body.middleware';
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
export class PdfModule implements NestModule {
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

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(PdfController);
  }
}
