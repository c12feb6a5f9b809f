import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ApiExceptionFilter } from './common/http/api-exception.filter';
import {
  appConfig,
  imageConfig,
  pdfConfig,
  workerPoolConfig,
  type WorkerPoolConfig,
} from './config';
import { WorkerPoolModule } from './concurrency/worker-pool';
import { HealthModule } from './health/health.module';
import { ImageModule } from './jobs/image/image.module';
import { PdfModule } from './jobs/pdf/pdf.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [appConfig, workerPoolConfig, imageConfig, pdfConfig],
    }),
    WorkerPoolModule.forRootAsync({
      inject: [workerPoolConfig.KEY],
      useFactory: (config: WorkerPoolConfig) => config,
    }),
    HealthModule,
    ImageModule,
    PdfModule,
  ],
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
})
export class AppModule {}
