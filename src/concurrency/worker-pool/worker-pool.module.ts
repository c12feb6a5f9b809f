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
 * Global by default (`isGlobal: true`), so feature modules inject `WorkerPool` directly, and
 * `HealthModule` and `MetricsModule` find it: they add the pool's readiness check and
 * `worker_pool_*` series when it is there. Works alone, without `ChildProcessModule` or a cluster.
 */
@Module({
  providers: [WorkerPool],
  exports: [WorkerPool],
})
export class WorkerPoolModule extends ConfigurableWorkerPoolModule {}
