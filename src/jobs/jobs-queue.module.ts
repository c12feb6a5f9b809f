import { Module, type ModuleMetadata } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { ConfigModule } from '@nestjs/config';
import { jobsConfig } from '../config';
import { JobRunner } from './job-runner';
import { JobStore } from './job-store';
import { JobsApi } from './jobs-api';
import { JOBS_PREFIX, JOBS_QUEUE, JobsRedis } from './jobs-redis';
import { JobsService } from './jobs.service';

/** The Redis connections, one set per process (BullModule's factory needs them too). */
@Module({
  imports: [ConfigModule.forFeature(jobsConfig)],
  providers: [JobsRedis],
  exports: [JobsRedis],
})
class JobsRedisModule {}

/**
 * What JobsModule adds when REDIS_URL is set: the BullMQ queue (@nestjs/bullmq, on our own
 * connection), the routes' service and this process's job worker. Loaded by `require` only
 * then (see JobsModule.forRoot).
 */
export function jobsQueueParts(): Required<
  Pick<ModuleMetadata, 'imports' | 'providers' | 'exports'>
> {
  return {
    imports: [
      JobsRedisModule,
      BullModule.forRootAsync({
        imports: [JobsRedisModule],
        inject: [JobsRedis],
        useFactory: (redis: JobsRedis) => ({ connection: redis.command, prefix: JOBS_PREFIX }),
      }),
      BullModule.registerQueue({ name: JOBS_QUEUE }),
    ],
    providers: [JobStore, JobsService, { provide: JobsApi, useExisting: JobsService }, JobRunner],
    exports: [JobsRedisModule, JobsApi],
  };
}
