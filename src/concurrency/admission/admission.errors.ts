import { ConcurrencyError } from '../concurrency.errors';

/*
 * What every executor refuses or stops work for, whatever the work is. Each executor raises
 * its own subclass (its message, its fields); callers and the HTTP layer can branch on these
 * bases instead of on every executor's classes.
 */

/** The bounded queue is full: push back instead of building a backlog. */
export abstract class QueueFullError extends ConcurrencyError {
  override readonly retryAfterSeconds: number;

  constructor(
    message: string,
    /** Runs that may wait; this many already did. */
    readonly maxQueue: number,
    retryAfterSeconds: number,
  ) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The executor is shutting down: it takes no new work and stops what is left at its deadline. */
export abstract class ClosedError extends ConcurrencyError {
  override readonly retryAfterSeconds = 5;
}

/** The run passed its deadline (queue wait included) and was taken out of the queue or stopped. */
export abstract class TimedOutError extends ConcurrencyError {
  readonly timedOut = true;

  constructor(
    message: string,
    /** The limit that was hit, in ms. */
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}
