/** Options of {@link WorkerPoolModule}. */
export interface WorkerPoolModuleOptions {
  /** Pool threads; the pool is fixed-size (no idle reaping, no churn). Default: 1. */
  threads?: number;
  /** Tasks that may wait (thread and in-process together) before `run` rejects. Default: 64. */
  maxQueue?: number;
  /** Default deadline of a task, queue wait included. Default: 30 000 ms. */
  taskTimeoutMs?: number;
  /** In-process tasks that run at once. Default: 1. */
  inlineConcurrency?: number;
  /**
   * Niceness added to each pool thread (Linux, through piscina's optional @napi-rs/nice),
   * so that under a full CPU the event loop, which answers health probes and takes
   * requests, runs before the threads' batch work. 0 disables it. Default: 10.
   */
  niceIncrement?: number;
  /** Old-generation heap cap of each thread in MiB; a thread past it dies alone. Default: 512. */
  maxHeapMb?: number;
  /** On shutdown, how long running and queued tasks may finish before threads are stopped. Default: 10 000 ms. */
  shutdownTimeoutMs?: number;
  /** `Retry-After` seconds suggested when the queue is full. Default: 1. */
  retryAfterSeconds?: number;
}

export type ResolvedWorkerPoolOptions = Required<WorkerPoolModuleOptions>;

export function resolveWorkerPoolOptions(
  options: WorkerPoolModuleOptions,
): ResolvedWorkerPoolOptions {
  return {
    threads: options.threads ?? 1,
    maxQueue: options.maxQueue ?? 64,
    taskTimeoutMs: options.taskTimeoutMs ?? 30_000,
    inlineConcurrency: options.inlineConcurrency ?? 1,
    maxHeapMb: options.maxHeapMb ?? 512,
    niceIncrement: options.niceIncrement ?? 10,
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 10_000,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
  };
}
