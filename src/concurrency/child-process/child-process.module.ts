import { Module } from '@nestjs/common';
import { ConfigurableChildProcessModule } from './child-process.module-definition';
import { ChildProcessRunner } from './child-process.runner';

/**
 * Provides the injectable {@link ChildProcessRunner}: bounded, shell-free execution of
 * external programs, each in its own process group.
 *
 * ```ts
 * ChildProcessModule.forRootAsync({
 *   inject: [childProcessConfig.KEY],
 *   useFactory: (config: ChildProcessConfig) => config,
 * })
 * ```
 * Global by default (`isGlobal: true`), so feature modules inject `ChildProcessRunner` directly,
 * and `HealthModule` and `MetricsModule` find it: they add the runner's readiness check and
 * `child_process_*` series when it is there. Works alone, without `WorkerPoolModule` or a cluster.
 */
@Module({
  providers: [ChildProcessRunner],
  exports: [ChildProcessRunner],
})
export class ChildProcessModule extends ConfigurableChildProcessModule {}
