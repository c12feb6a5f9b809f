import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { jobsConfig, readRedisUrl } from '../config';
import { HealthModule } from '../health/health.module';
import { enqueueController } from './enqueue.controller';
import { JobRegistry } from './job-registry';
import type { JobType } from './job-type';
import { JobsController } from './jobs.controller';
import { JobsMessages } from './jobs.messages';
import { JobsMonitor } from './jobs.monitor';
import type * as JobsQueue from './jobs-queue.module';
/** Says at boot that jobs are off, and how to turn them on. */
class JobsOffNotice implements OnApplicationBootstrap {
  onApplicationBootstrap(): void {
    new Logger('Jobs').log({
      event: 'jobs.off',
      variable: 'REDIS_URL',
      msg: JobsMessages.offAtBoot(),
    });
  }
}

@Global()
@Module({})
export class JobsModule {
  /**
   * The job queue: `GET`/`DELETE /jobs/{id}`, `GET /jobs/{id}/result`, and the registry the
   * job types of the workloads add themselves to (`forFeature`). With `REDIS_URL` set, a
   * BullMQ queue on that Redis and a worker in this process; unset, every `/jobs` route
   * answers 501 naming `REDIS_URL`, and nothing connects anywhere. Decided when the app
   * module is loaded, as the routes and their providers are.
   */
  static forRoot(env: Readonly<Record<string, string | undefined>> = process.env): DynamicModule {
    const base = {
      module: JobsModule,
      global: true,
      imports: [ConfigModule.forFeature(jobsConfig), HealthModule],
      controllers: [JobsController],
      exports: [JobRegistry, JobsMonitor],
    };
    if (readRedisUrl(env) === undefined) {
      return { ...base, providers: [JobRegistry, JobsMonitor, JobsOffNotice] };
    }
    // Required here, not imported: BullMQ and ioredis add to every app worker's start, and
    // without REDIS_URL nothing of them runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const queue = (require('./jobs-queue.module') as typeof JobsQueue).jobsQueueParts();
    return {
      ...base,
      imports: [...base.imports, ...queue.imports],
      providers: [JobRegistry, JobsMonitor, ...queue.providers],
      exports: [...base.exports, ...queue.exports],
    };
  }

  /**
   * Makes `type` a job type: `POST /jobs/<type.name>` and its handler on every app worker.
   * One line in the imports of the workload's module; its handler is a provider there.
   */
  static forFeature(type: JobType): DynamicModule {
    const registration: FactoryProvider = {
      provide: `JOB_TYPE:${type.name}`,
      inject: [JobRegistry],
      useFactory: (registry: JobRegistry) => registry.add(type),
    };
    return {
      module: JobsFeatureModule,
      controllers: [enqueueController(type)],
      providers: [registration],
    };
  }
}

/** What `JobsModule.forFeature` returns, once per job type. */
@Module({})
class JobsFeatureModule {}
