import { ClosedError, QueueFullError, TimedOutError } from '../admission';
import { adoptIntoFamily, ConcurrencyError } from '../concurrency.errors';
import { WorkerPoolMessages } from './worker-pool.messages';

/**
 * Base of the errors WorkerPool raises itself (a task's own errors pass through unchanged).
 * `instanceof` holds for all five, also the three that extend a shared admission base.
 */
export abstract class WorkerPoolError extends ConcurrencyError {}

/** The bounded queue is full: push back instead of building a backlog. */
export class TaskQueueFullError extends QueueFullError {
  constructor(maxQueue: number, retryAfterSeconds = 1) {
    super(WorkerPoolMessages.queueFull(maxQueue), maxQueue, retryAfterSeconds);
  }
}

/** The task passed its deadline (queue wait included) and was removed or stopped. */
export class TaskTimeoutError extends TimedOutError {
  constructor(
    readonly task: string,
    timeoutMs: number,
  ) {
    super(WorkerPoolMessages.timedOut(task, timeoutMs), timeoutMs);
  }
}

/** The caller's signal aborted the task (for HTTP: the client went away). */
export class TaskAbortedError extends WorkerPoolError {
  constructor(
    readonly task: string,
    options?: ErrorOptions,
  ) {
    super(WorkerPoolMessages.aborted(task), options);
  }
}

/** The thread died under the task (process.exit, heap exhausted); only this task failed. */
export class WorkerCrashedError extends WorkerPoolError {
  constructor(
    readonly task: string,
    cause: Error,
  ) {
    super(WorkerPoolMessages.crashed(task, cause.message), { cause });
  }
}

/** The pool is shutting down or closed. */
export class PoolClosedError extends ClosedError {
  constructor() {
    super(WorkerPoolMessages.closed());
  }
}

adoptIntoFamily(WorkerPoolError, [TaskQueueFullError, TaskTimeoutError, PoolClosedError]);
