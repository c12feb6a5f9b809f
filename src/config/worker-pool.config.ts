import { availableCpus, envInt } from './env';

export interface WorkerPoolConfig {
  /** Worker threads in the pool (fixed size). `WORKER_POOL_THREADS`, default: the CPUs available. */
  threads: number;
  /** Tasks that may wait for a thread before `run` rejects. `WORKER_POOL_MAX_QUEUE`, default 64. */
  maxQueue: number;
  /** Deadline of one task, queue wait included. `WORKER_TASK_TIMEOUT_MS`, default 30 s. */
  taskTimeoutMs: number;
  /** In-process tasks (e.g. sharp on libuv's threads) run at once. `WORKER_INLINE_CONCURRENCY`, default: the CPUs available. */
  inlineConcurrency: number;
  /** Old-generation heap cap of one thread, in MiB. `WORKER_MAX_HEAP_MB`, default 512. */
  maxHeapMb: number;
  /** Niceness added to pool threads so the event loop runs first. `WORKER_POOL_NICE`, default 10. */
  niceIncrement: number;
  /** How long shutdown lets running tasks finish. `SHUTDOWN_TIMEOUT_MS`, default 10 s. */
  shutdownTimeoutMs: number;
}

export const readWorkerPoolConfig = (): WorkerPoolConfig => {
  const cpus = availableCpus();
  return {
    threads: envInt(process.env, 'WORKER_POOL_THREADS', { default: cpus, min: 1, max: 256 }),
    maxQueue: envInt(process.env, 'WORKER_POOL_MAX_QUEUE', { default: 64, min: 0, max: 100_000 }),
    taskTimeoutMs: envInt(process.env, 'WORKER_TASK_TIMEOUT_MS', {
      default: 30_000,
      min: 1,
      max: 3_600_000,
    }),
    inlineConcurrency: envInt(process.env, 'WORKER_INLINE_CONCURRENCY', {
      default: cpus,
      min: 1,
      max: 256,
    }),
    maxHeapMb: envInt(process.env, 'WORKER_MAX_HEAP_MB', { default: 512, min: 16, max: 65_536 }),
    niceIncrement: envInt(process.env, 'WORKER_POOL_NICE', { default: 10, min: 0, max: 19 }),
    shutdownTimeoutMs: envInt(process.env, 'SHUTDOWN_TIMEOUT_MS', {
      default: 10_000,
      min: 0,
      max: 600_000,
    }),
  };
};
