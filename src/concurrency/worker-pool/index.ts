/**
 * The worker pool's public API: import from here, not from the files behind it.
 * `WorkerPoolModule.forRoot` / `forRootAsync` provides `WorkerPool`; tasks are declared with
 * `defineThreadTask` (a function in a `*.worker.ts` file) or `defineInlineTask`.
 *
 * Runs in: the app worker. A thread task's `*.worker.ts` file runs on a pool thread; an
 * inline task runs on the app worker's own event loop (and whatever native pool it uses).
 *
 * @packageDocumentation
 */
export { WorkerPoolModule } from './worker-pool.module';
export { WorkerPool } from './worker-pool.service';
export { WorkerPoolHealthIndicator } from './worker-pool.health';
export { type WorkerPoolModuleOptions } from './worker-pool.options';
export { type WorkerPoolStats, type ThreadStats } from './worker-pool.stats';
export {
  defineInlineTask,
  defineThreadTask,
  type InlineTask,
  type InlineTaskContext,
  type RunOptions,
  type Task,
  type ThreadTask,
  type ThreadTaskOptions,
} from './task';
export { type Cancellable, isCancelled } from './cancellation';
export {
  PoolClosedError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
  WorkerPoolError,
} from './worker-pool.errors';
export { ConcurrencyError } from '../concurrency.errors';
export { ClosedError, QueueFullError, TimedOutError } from '../admission';
