import { ConfigurableModuleBuilder } from '@nestjs/common';
import { type WorkerPoolModuleOptions } from './worker-pool.options';

export const {
  ConfigurableModuleClass: ConfigurableWorkerPoolModule,
  MODULE_OPTIONS_TOKEN: WORKER_POOL_OPTIONS,
  OPTIONS_TYPE: WORKER_POOL_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: WORKER_POOL_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<WorkerPoolModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
