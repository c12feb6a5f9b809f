import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
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
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(PdfController);
  }
}
