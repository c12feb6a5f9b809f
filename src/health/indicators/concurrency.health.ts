import type { FactoryProvider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ChildProcessHealthIndicator, ChildProcessRunner } from '../../concurrency/child-process';
import { WorkerPool, WorkerPoolHealthIndicator } from '../../concurrency/worker-pool';

/**
 * The indicators of the concurrency modules the app has. Each resolves to its indicator when
 * the app imports the module (global by default, so visible here), and to `null` when it
 * does not: readiness then simply has no such check, and an app with only `WorkerPoolModule`
 * or only `ChildProcessModule` still resolves.
 */
export const concurrencyIndicators: FactoryProvider[] = [
  {
    provide: WorkerPoolHealthIndicator,
    inject: [{ token: WorkerPool, optional: true }, HealthIndicatorService],
    useFactory: (pool: WorkerPool | undefined, health: HealthIndicatorService) =>
      pool ? new WorkerPoolHealthIndicator(pool, health) : null,
  },
  {
    provide: ChildProcessHealthIndicator,
    inject: [{ token: ChildProcessRunner, optional: true }, HealthIndicatorService],
    useFactory: (runner: ChildProcessRunner | undefined, health: HealthIndicatorService) =>
      runner ? new ChildProcessHealthIndicator(runner, health) : null,
  },
];
