import { join } from 'node:path';
import type { Transferable } from 'node:worker_threads';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Piscina } from 'piscina';
import { LatencyHistogram, observeTimings, type TimingKind } from '../latency-histogram';
import { drainUntil } from '../drain';
import { FifoLane } from '../fifo-lane';
import {
  PoolClosedError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
} from './worker-pool.errors';
import { WORKER_POOL_OPTIONS } from './worker-pool.module-definition';
import {
  resolveWorkerPoolOptions,
  type ResolvedWorkerPoolOptions,
  type WorkerPoolModuleOptions,
} from './worker-pool.options';
import { type WorkerPoolStats } from './worker-pool.stats';
import { type PiscinaThread, type ThreadTally, tallyThread } from './thread-tally';
import { type Task } from './task';

/** Options of one {@link WorkerPool.run} call. */
export interface RunOptions {
  /** Cancels the task: a queued task leaves the queue; a running thread task stops its thread. */
  signal?: AbortSignal;
  /** Deadline for this task, queue wait included. Default: the pool's `taskTimeoutMs`. */
  timeoutMs?: number;
  /** Buffers to move to the thread instead of copying them (thread tasks only). */
  transferList?: readonly Transferable[];
}

// Under jest the app runs from .ts sources, and so must its threads (see the hook file).
const RUNNING_FROM_SOURCES = __filename.endsWith('.ts');

/**
 * Runs CPU-heavy work off the event loop: thread tasks on one fixed-size piscina pool,
 * in-process tasks under the same admission. Every task is bounded by the queue limit,
 * a deadline and its caller's signal.
 */
@Injectable()
export class WorkerPool implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerPool.name);
  private readonly options: ResolvedWorkerPoolOptions;
  private readonly threadLane: FifoLane;
  private readonly inlineLane: FifoLane;
  private readonly workers = new Map<number, { thread: PiscinaThread; tally: ThreadTally }>();
  /** Work started and not yet finished: may outlive its caller after a timeout or abort. */
  private readonly working = new Set<Promise<unknown>>();
  private readonly waitTime = new LatencyHistogram();
  private readonly runTime = new LatencyHistogram();
  private piscina?: Piscina;
  private accepting = true;
  private shutdownDeadline?: number;
  private readonly counters = {
    completed: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    rejected: 0,
    threadRestarts: 0,
  };

  constructor(@Inject(WORKER_POOL_OPTIONS) options: WorkerPoolModuleOptions) {
    this.options = resolveWorkerPoolOptions(options);
    this.threadLane = new FifoLane(this.options.threads);
    this.inlineLane = new FifoLane(this.options.inlineConcurrency);
  }

  onModuleInit(): void {
    const { threads, maxHeapMb } = this.options;
    const piscina = new Piscina({
      minThreads: threads,
      maxThreads: threads,
      // A fixed pool: threads that loaded native addons (sharp) are never reaped and re-created.
      idleTimeout: Infinity,
      // Tasks reach piscina only when a thread is free (see FifoLane); this keeps piscina's
      // own order fair too, should a thread die and leave tasks waiting for its successor.
      stricterFIFO: true,
      recordTiming: true,
      workerHistogram: true,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      niceIncrement: this.options.niceIncrement,
      execArgv: RUNNING_FROM_SOURCES
        ? ['--require', join(__dirname, '..', 'typescript-hook.cjs')]
        : undefined,
    });
    piscina.on('workerCreate', (thread: PiscinaThread) =>
      this.workers.set(thread.id, { thread, tally: tallyThread(thread) }),
    );
    piscina.on('workerDestroy', (worker: PiscinaThread) => {
      this.workers.delete(worker.id);
      if (this.accepting) this.counters.threadRestarts++;
    });
    // A thread that dies with no task emits here; without a listener that would throw.
    piscina.on('error', (error: Error) =>
      this.logger.error(`Worker thread failed: ${error.message}`),
    );
    this.piscina = piscina;
    this.logger.log(
      `Worker pool started: ${threads} threads, ${this.options.inlineConcurrency} in-process slots, queue ${this.options.maxQueue}`,
    );
  }

  /**
   * Runs `task` with `input` and resolves to its result.
   *
   * Rejects at once with `TaskQueueFullError` when `maxQueue` tasks already wait, and with
   * `PoolClosedError` during shutdown; later with `TaskTimeoutError` past the deadline,
   * `TaskAbortedError` when `signal` aborts, `WorkerCrashedError` when the thread dies
   * under the task, or the task's own error.
   */
  async run<Input, Output>(
    task: Task<Input, Output>,
    input: Input,
    options: RunOptions = {},
  ): Promise<Output> {
    this.assertAvailable(task);
    return this.runAdmitted(task, input, options);
  }

  /**
   * Throws what `run(task, …)` would throw at once if called now (`TaskQueueFullError`,
   * `PoolClosedError`). Lets a caller refuse a request before reading a large input for it.
   */
  assertAvailable(task: Pick<Task<never, unknown>, 'kind'>): void {
    try {
      this.admit(task);
    } catch (error) {
      this.counters.rejected++;
      throw error;
    }
  }

  /**
   * True while the pool takes work. A thread being replaced (after a crash, or after it was
   * stopped for a timeout or a cancelled request) does not make the pool unready: it keeps
   * queueing, and piscina starts the replacement at once.
   */
  isReady(): boolean {
    return this.accepting && this.piscina !== undefined;
  }

  /**
   * Calls `listener` with each task's wait (submission to start) and run (start to
   * settlement) time in ms, as tasks start and settle: what a metrics histogram needs, which
   * `stats()` percentiles over the whole uptime cannot give. Returns the unsubscribe.
   */
  observeTimings(listener: (kind: TimingKind, ms: number) => void): () => void {
    return observeTimings({ wait: this.waitTime, run: this.runTime }, listener);
  }

  /** A point-in-time picture of the pool, for health checks and metrics. Cheap; never throws. */
  stats(): WorkerPoolStats {
    const { threadLane, inlineLane } = this;
    return {
      accepting: this.accepting,
      threads: [...this.workers.values()].map(({ thread, tally }) => ({
        id: thread.id,
        alive: !thread.destroyed && !thread.terminating,
        busy: thread.currentUsage > 0,
        tasksDone: tally.done,
        tasksFailed: tally.failed,
        runP99Ms: thread.histogram?.p99 ?? 0,
      })),
      threadRestarts: this.counters.threadRestarts,
      queueSize: threadLane.queued + inlineLane.queued,
      maxQueue: this.options.maxQueue,
      running: threadLane.running + inlineLane.running,
      inline: {
        running: inlineLane.running,
        queued: inlineLane.queued,
        concurrency: this.options.inlineConcurrency,
      },
      completed: this.counters.completed,
      failed: this.counters.failed,
      timedOut: this.counters.timedOut,
      aborted: this.counters.aborted,
      rejected: this.counters.rejected,
      waitTime: this.waitTime.summary(),
      runTime: this.runTime.summary(),
      utilization: this.piscina?.utilization ?? 0,
    };
  }

  /**
   * Shutdown begins: refuse new work from here on. The `shutdownTimeoutMs` budget starts
   * now, not when Nest reaches `onApplicationShutdown` after closing the HTTP server.
   */
  beforeApplicationShutdown(): void {
    this.accepting = false;
    this.shutdownDeadline ??= Date.now() + this.options.shutdownTimeoutMs;
  }

  /** Lets accepted work finish within `shutdownTimeoutMs`, then stops every thread. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.piscina) return;
    this.beforeApplicationShutdown();
    if (this.pending() > 0) {
      this.logger.log(`Shutdown: waiting for ${this.pending()} tasks`);
      if (
        !(await drainUntil(
          this.shutdownDeadline!,
          () => this.pending() > 0,
          () => this.working,
        ))
      ) {
        this.logger.warn('Shutdown: tasks still queued or running at the timeout are stopped');
      }
    }
    // Whatever still waits for a slot will never get one.
    this.threadLane.rejectAll(new PoolClosedError());
    this.inlineLane.rejectAll(new PoolClosedError());
    const piscina = this.piscina;
    this.piscina = undefined;
    await piscina.destroy();
    this.workers.clear();
  }

  /** Tasks accepted and not yet finished: queued, or running (maybe past their caller). */
  private pending(): number {
    return this.threadLane.queued + this.inlineLane.queued + this.working.size;
  }

  private admit(task: Pick<Task<never, unknown>, 'kind'>): void {
    if (!this.accepting || !this.piscina) throw new PoolClosedError();
    const lane = this.laneOf(task);
    const mustWait = !lane.hasFreeSlot || lane.queued > 0;
    if (mustWait && this.threadLane.queued + this.inlineLane.queued >= this.options.maxQueue) {
      throw new TaskQueueFullError(this.options.maxQueue, this.options.retryAfterSeconds);
    }
  }

  private laneOf(task: Pick<Task<never, unknown>, 'kind'>): FifoLane {
    return task.kind === 'thread' ? this.threadLane : this.inlineLane;
  }

  private async runAdmitted<Input, Output>(
    task: Task<Input, Output>,
    input: Input,
    options: RunOptions,
  ): Promise<Output> {
    const timeoutMs = options.timeoutMs ?? this.options.taskTimeoutMs;
    const controller = new AbortController();
    const onCallerAbort = () =>
      controller.abort(new TaskAbortedError(task.name, { cause: options.signal?.reason }));
    if (options.signal?.aborted) onCallerAbort();
    else options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new TaskTimeoutError(task.name, timeoutMs)),
      timeoutMs,
    );
    try {
      const output = await this.execute(
        task,
        input,
        controller.signal,
        Date.now() + timeoutMs,
        options,
      );
      this.counters.completed++;
      return output;
    } catch (error) {
      throw this.classify(task, error, controller.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private execute<Input, Output>(
    task: Task<Input, Output>,
    input: Input,
    signal: AbortSignal,
    deadline: number,
    options: RunOptions,
  ): Promise<Output> {
    const queuedAt = performance.now();
    return new Promise<Output>((resolve, reject) => {
      const start = (release: () => void) => {
        const startedAt = performance.now();
        this.waitTime.record(startedAt - queuedAt);
        const work = this.startWork(task, input, signal, deadline, options);
        const settle = () => {
          this.runTime.record(performance.now() - startedAt);
          this.working.delete(done);
          release();
        };
        const done: Promise<void> = work.then(settle, settle);
        this.working.add(done);
        // piscina rejects a thread task as soon as its signal aborts. An in-process task
        // may run on: its caller learns of the timeout or abort at once, while the slot
        // stays held until the work settles.
        const outcome = task.kind === 'thread' ? work : Promise.race([work, rejectOnAbort(signal)]);
        outcome.then((output) => {
          // finished, but past its deadline or cancelled
          if (signal.aborted) reject(signal.reason as Error);
          else resolve(output);
        }, reject);
      };
      this.laneOf(task).enter(signal, start, reject);
    });
  }

  /** Starts the work itself; a synchronous throw becomes a rejection, so slots are always released. */
  private startWork<Input, Output>(
    task: Task<Input, Output>,
    input: Input,
    signal: AbortSignal,
    deadline: number,
    options: RunOptions,
  ): Promise<Output> {
    try {
      if (!this.piscina) throw new PoolClosedError();
      if (task.kind === 'inline') return task.run(input, { signal, deadline });
      return this.piscina.run(input, {
        filename: task.filename,
        name: task.name,
        signal,
        transferList: options.transferList as Transferable[] | undefined,
      }) as Promise<Output>;
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private classify(
    task: Pick<Task<never, unknown>, 'kind' | 'name'>,
    error: unknown,
    signal: AbortSignal,
  ): unknown {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof TaskTimeoutError) this.counters.timedOut++;
      else this.counters.aborted++;
      return reason;
    }
    this.counters.failed++;
    if (!this.accepting && isTermination(error)) return new PoolClosedError();
    if (task.kind === 'thread' && isThreadDeath(error)) {
      return new WorkerCrashedError(task.name, error);
    }
    return error;
  }
}

/**
 * piscina reports a dead thread with an error it makes in this thread: `worker exited with
 * code: N` for process.exit, or Node's ERR_WORKER_OUT_OF_MEMORY past `resourceLimits`.
 */
function isThreadDeath(error: unknown): error is Error {
  // Duck-typed: Node makes ERR_WORKER_OUT_OF_MEMORY in its own realm (not jest's `Error`).
  if (!isErrorLike(error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    code === 'ERR_WORKER_OUT_OF_MEMORY' ||
    code === 'ERR_WORKER_INIT_FAILED' ||
    error.message.startsWith('worker exited with code')
  );
}

/** piscina's error for tasks still running when the pool is destroyed at shutdown. */
function isTermination(error: unknown): boolean {
  return isErrorLike(error) && error.message === 'Terminating worker thread';
}

function isErrorLike(error: unknown): error is Error {
  return (
    typeof error === 'object' && error !== null && typeof (error as Error).message === 'string'
  );
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
