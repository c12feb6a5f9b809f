import { Module, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { ApiExceptionFilter } from './common/http/api-exception.filter';
import { DeadlinesModule } from './common/http/deadlines';
import {
  appConfig,
  childProcessConfig,
  type ChildProcessConfig,
  commandsConfig,
  imageConfig,
  jobsConfig,
  pdfConfig,
  workerPoolConfig,
  type WorkerPoolConfig,
} from './config';
import { ChildProcessModule } from './concurrency/child-process';
import { WorkerPoolModule } from './concurrency/worker-pool';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs';
import { LoggingModule } from './logging';
import { MetricsModule } from './metrics/metrics.module';
import * as workloads from './workloads';

@Module({
  imports: [
    LoggingModule,
    ConfigModule.forRoot({
      isGlobal: true,
      cache: true,
      load: [
        appConfig,
        workerPoolConfig,
        imageConfig,
        pdfConfig,
        childProcessConfig,
        commandsConfig,
        jobsConfig,
      ],
    }),
    WorkerPoolModule.forRootAsync({
      inject: [workerPoolConfig.KEY],
      useFactory: (config: WorkerPoolConfig) => config,
    }),
    ChildProcessModule.forRootAsync({
      inject: [childProcessConfig.KEY],
      useFactory: (config: ChildProcessConfig) => config,
    }),
    MetricsModule,
    DeadlinesModule,
    HealthModule,
    // The durable job queue (BullMQ on REDIS_URL; off without it). Job types: forFeature.
    JobsModule.forRoot(),
    // The workloads listed in src/workloads/index.ts, one line each.
    ...Object.values<Type>(workloads),
  ],
  providers: [{ provide: APP_FILTER, useClass: ApiExceptionFilter }],
})
export class AppModule {}
