import { Module } from '@nestjs/common';
import { ConfigurableWorkerPoolModule } from './worker-pool.module-definition';
import { WorkerPool } from './worker-pool.service';

/**
 * Provides the injectable {@link WorkerPool}: one fixed-size piscina pool per process.
 *
 * ```ts
 * WorkerPoolModule.forRootAsync({
 *   inject: [workerPoolConfig.KEY],
 *   useFactory: (config: WorkerPoolConfig) => config,
 * })
 * ```
 * Global by default (`isGlobal: true`), so feature modules inject `WorkerPool` directly.
 * `WorkerPoolHealthIndicator` is provided by the module that imports terminus (src/health).
 */
@Module({
  providers: [WorkerPool],
  exports: [WorkerPool],
})
export class WorkerPoolModule extends ConfigurableWorkerPoolModule {}
