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
 * Global by default (`isGlobal: true`), so feature modules inject `ChildProcessRunner` directly.
 * `ChildProcessHealthIndicator` is provided by the module that imports terminus (src/health).
 */
@Module({
  providers: [ChildProcessRunner],
  exports: [ChildProcessRunner],
})
export class ChildProcessModule extends ConfigurableChildProcessModule {}
