import type { Transferable } from 'node:worker_threads';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Piscina } from 'piscina';
import { Executor, RunLane } from '../admission';
import { TYPESCRIPT_HOOK_ARGV } from '../from-sources';
import {
  PoolClosedError,
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
import { type RunOptions, type Task } from './task';
import { TaskRun } from './task-run';

/**
 * Runs CPU-heavy work off the event loop: thread tasks on one fixed-size piscina pool,
 * in-process tasks under the same admission. Every task is bounded by the queue limit,
 * a deadline and its caller's signal.
 */
@Injectable()
export class WorkerPool extends Executor implements OnModuleInit, OnApplicationShutdown {
  private readonly options: ResolvedWorkerPoolOptions;
  private readonly threadLane: RunLane<TaskRun>;
  private readonly inlineLane: RunLane<TaskRun>;
  private readonly workers = new Map<number, { thread: PiscinaThread; tally: ThreadTally }>();
  /** Work started and not yet finished: may outlive its caller after a timeout or abort. */
  private readonly working = new Set<Promise<unknown>>();
  private piscina?: Piscina;
  private threadRestarts = 0;

  constructor(@Inject(WORKER_POOL_OPTIONS) options: WorkerPoolModuleOptions) {
    const resolved = resolveWorkerPoolOptions(options);
    super(WorkerPool.name, resolved);
    this.options = resolved;
    this.threadLane = new RunLane(this.options.threads);
    this.inlineLane = new RunLane(this.options.inlineConcurrency);
  }

  onModuleInit(): void {
    const { threads, maxHeapMb } = this.options;
    const piscina = new Piscina({
      minThreads: threads,
      maxThreads: threads,
      // A fixed pool: threads that loaded native addons (sharp) are never reaped and re-created.
      idleTimeout: Infinity,
      // Tasks reach piscina only when a thread is free (see run()); this keeps piscina's
      // own order fair too, should a thread die and leave tasks waiting for its successor.
      stricterFIFO: true,
      recordTiming: true,
      workerHistogram: true,
      resourceLimits: { maxOldGenerationSizeMb: maxHeapMb },
      niceIncrement: this.options.niceIncrement,
      execArgv: TYPESCRIPT_HOOK_ARGV,
    });
    piscina.on('workerCreate', (thread: PiscinaThread) =>
      this.workers.set(thread.id, { thread, tally: tallyThread(thread) }),
    );
    piscina.on('workerDestroy', (worker: PiscinaThread) => {
      this.workers.delete(worker.id);
      if (this.accepting) this.threadRestarts++;
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
  run<Input, Output>(
    task: Task<Input, Output>,
    input: Input,
    options: RunOptions = {},
  ): Promise<Output> {
    const refused = this.refuse(task);
    if (refused) return Promise.reject(refused);
    const timeoutMs = options.timeoutMs ?? this.options.taskTimeoutMs;
    const run = new TaskRun(
      task as Task<unknown, unknown>,
      input,
      options,
      timeoutMs,
      this.runAborted,
    );
    run.arm();
    // Our own FIFO in front of piscina's: piscina 5 puts a task that carries a signal (every
    // task here, for its deadline) at the head of its skip queue when no thread is free, so
    // its order would be last-in first-out even with stricterFIFO (piscina issue #899).
    if (!run.settled && this.laneOf(task).enter(run)) this.start(run);
    return run.promise as Promise<Output>;
  }

  /**
   * Throws what `run(task, …)` would throw at once if called now (`TaskQueueFullError`,
   * `PoolClosedError`). Lets a caller refuse a request before reading a large input for it.
   */
  assertAvailable(task: Pick<Task<never, unknown>, 'kind'>): void {
    const refused = this.refuse(task);
    if (refused) throw refused;
  }

  /**
   * True while the pool takes work. A thread being replaced (after a crash, or after it was
   * stopped for a timeout or a cancelled request) does not make the pool unready: it keeps
   * queueing, and piscina starts the replacement at once.
   */
  override isReady(): boolean {
    return this.accepting && this.piscina !== undefined;
  }

  /** A point-in-time picture of the pool, for health checks and metrics. Cheap; never throws. */
  stats(): WorkerPoolStats {
    const { threadLane, inlineLane } = this;
    return {
      ...this.admissionStats(),
      threads: [...this.workers.values()].map(({ thread, tally }) => ({
        id: thread.id,
        alive: !thread.destroyed && !thread.terminating,
        busy: thread.currentUsage > 0,
        tasksDone: tally.done,
        tasksFailed: tally.failed,
        runP99Ms: thread.histogram?.p99 ?? 0,
      })),
      threadRestarts: this.threadRestarts,
      queueSize: threadLane.queued + inlineLane.queued,
      maxQueue: this.options.maxQueue,
      running: threadLane.running + inlineLane.running,
      inline: {
        running: inlineLane.running,
        queued: inlineLane.queued,
        concurrency: this.options.inlineConcurrency,
      },
      utilization: this.piscina?.utilization ?? 0,
    };
  }

  /** Lets accepted work finish within `shutdownTimeoutMs`, then stops every thread. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.piscina) return;
    const drained = await this.drain(() => this.pending(), this.working, 'tasks');
    if (!drained) {
      this.logger.warn('Shutdown: tasks still queued or running at the timeout are stopped');
    }
    // Whatever still waits for a slot will never get one.
    for (const run of [...this.threadLane.drain(), ...this.inlineLane.drain()]) {
      run.reject(this.classify(run, new PoolClosedError()));
    }
    const piscina = this.piscina;
    this.piscina = undefined;
    await piscina.destroy();
    this.workers.clear();
  }

  /** Tasks accepted and not yet finished: queued, or running (maybe past their caller). */
  private pending(): number {
    return this.threadLane.queued + this.inlineLane.queued + this.working.size;
  }

  /** The error that refuses `task` now (closed, or queue full), counted; else undefined. */
  private refuse(task: Pick<Task<never, unknown>, 'kind'>): Error | undefined {
    const queued = this.threadLane.queued + this.inlineLane.queued;
    return this.refusal(this.laneOf(task).mustWait, queued);
  }

  protected queueFullError(maxQueue: number, retryAfterSeconds: number): TaskQueueFullError {
    return new TaskQueueFullError(maxQueue, retryAfterSeconds);
  }

  protected closedError(): PoolClosedError {
    return new PoolClosedError();
  }

  private laneOf(task: Pick<Task<never, unknown>, 'kind'>): RunLane<TaskRun> {
    return task.kind === 'thread' ? this.threadLane : this.inlineLane;
  }

  /** Starts a run that holds a slot of its lane; the slot is freed when the work settles. */
  private start(run: TaskRun): void {
    run.startedAt = performance.now();
    this.waitTime.record(run.startedAt - run.queuedAt);
    const work = this.startWork(run);
    this.working.add(work);
    work.then(
      (output) => this.finish(run, work, true, output),
      (error) => this.finish(run, work, false, error),
    );
  }

  /** Starts the work itself; a synchronous throw becomes a rejection, so slots are always released. */
  private startWork(run: TaskRun): Promise<unknown> {
    const { task } = run;
    try {
      if (!this.piscina) throw new PoolClosedError();
      if (task.kind === 'inline') {
        return task.run(run.takeInput(), { signal: run.inlineSignal(), deadline: run.deadline });
      }
      const input = task.cancelGraceMs === undefined ? run.takeInput() : run.takeCooperativeInput();
      return this.piscina.run(input, {
        filename: task.filename,
        name: task.name,
        signal: run,
        transferList: run.options.transferList as Transferable[] | undefined,
      });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The work settled: its slot goes to the next run (started now), then its caller is answered. */
  private finish(run: TaskRun, work: Promise<unknown>, ok: boolean, result: unknown): void {
    this.runTime.record(performance.now() - run.startedAt);
    this.working.delete(work);
    const next = this.laneOf(run.task).release();
    if (next) this.start(next);
    if (run.settled) return; // an in-process task whose caller already gave up
    if (ok && !run.aborted) {
      this.outcomes.completed++;
      run.resolve(result);
    } else {
      // failed; or finished, but past its deadline or cancelled
      run.reject(this.classify(run, ok ? run.reason : result));
    }
  }

  /** From {@link TaskRun.abort}: the deadline passed or the caller's signal aborted. */
  private readonly runAborted = (run: TaskRun): void => {
    if (run.startedAt === 0) {
      this.laneOf(run.task).remove(run); // queued (or refused before it queued)
      run.reject(this.classify(run, run.reason));
    } else if (run.task.kind === 'inline' || run.cooperative) {
      // An in-process task, or a thread task asked to stop, may run on: its caller learns of
      // the timeout or abort at once, while the slot stays held until the work settles.
      run.reject(this.classify(run, run.reason));
    }
    // Any other running thread task: piscina, listening on the run, has rejected the task and
    // stops its thread; finish() answers the caller.
  };

  /** Counts how the run ended, and gives the error its caller gets. */
  private classify(run: TaskRun, error: unknown): unknown {
    if (run.aborted) {
      if (run.reason instanceof TaskTimeoutError) this.outcomes.timedOut++;
      else this.outcomes.aborted++;
      return run.reason;
    }
    this.outcomes.failed++;
    if (!this.accepting && isTermination(error)) return new PoolClosedError();
    if (run.task.kind === 'thread' && isThreadDeath(error)) {
      return new WorkerCrashedError(run.task.name, error);
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
