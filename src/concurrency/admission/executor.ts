import { type BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { type ConcurrencyError } from '../concurrency.errors';
import { type ClosedError, type QueueFullError } from './admission.errors';
import { drainUntil } from './drain';
import {
  LatencyHistogram,
  type LatencySummary,
  observeTimings,
  type TimingKind,
} from './latency-histogram';

/** The limits every executor's options carry. */
export interface AdmissionLimits {
  /** Runs that may wait for a slot; past it, new ones are refused. */
  maxQueue: number;
  /** `Retry-After` seconds suggested when the queue is full. */
  retryAfterSeconds: number;
  /** On shutdown, how long accepted work may finish before the executor stops it. */
  shutdownTimeoutMs: number;
}

/** What became of the runs an executor was given, counted since start. */
export interface Outcomes {
  completed: number;
  failed: number;
  timedOut: number;
  aborted: number;
  /** Refused at once: queue full, or shutting down. */
  rejected: number;
}

/** The part of an executor's stats that every executor has. */
export interface AdmissionStats extends Outcomes {
  /** False once shutdown began. */
  accepting: boolean;
  waitTime: LatencySummary;
  runTime: LatencySummary;
}

/**
 * The admission and lifecycle every executor shares (WorkerPool, ChildProcessRunner): it
 * refuses a run at once when shutting down or when its bounded queue is full, counts
 * outcomes, keeps the wait and run histograms, and on shutdown stops taking work and waits,
 * up to a deadline, for the work it accepted. The executor keeps its own lanes
 * (`RunLane`) and runs (`AdmittedRun`) and decides what a slot runs.
 */
export abstract class Executor implements BeforeApplicationShutdown {
  protected readonly logger: Logger;
  protected readonly waitTime = new LatencyHistogram();
  protected readonly runTime = new LatencyHistogram();
  protected readonly outcomes: Outcomes = {
    completed: 0,
    failed: 0,
    timedOut: 0,
    aborted: 0,
    rejected: 0,
  };
  private open = true;
  private shutdownDeadline?: number;

  protected constructor(
    name: string,
    private readonly limits: AdmissionLimits,
  ) {
    this.logger = new Logger(name);
  }

  /** True while it takes work. */
  isReady(): boolean {
    return this.open;
  }

  /**
   * Calls `listener` with each run's wait and run time in ms, as runs start and settle: what
   * a metrics histogram needs, which `stats()` percentiles over the whole uptime cannot
   * give. Returns the unsubscribe.
   */
  observeTimings(listener: (kind: TimingKind, ms: number) => void): () => void {
    return observeTimings({ wait: this.waitTime, run: this.runTime }, listener);
  }

  /**
   * Shutdown begins: refuse new work from here on. The `shutdownTimeoutMs` budget starts
   * now, not when Nest reaches `onApplicationShutdown` after closing the HTTP server.
   */
  beforeApplicationShutdown(): void {
    this.open = false;
    this.shutdownDeadline ??= Date.now() + this.limits.shutdownTimeoutMs;
  }

  /** False once shutdown began. */
  protected get accepting(): boolean {
    return this.open;
  }

  /**
   * The error that refuses a run now, counted as rejected; undefined if it may enter.
   * `mustWait`: its lane has no free slot, or runs wait there already. `queued`: runs
   * waiting in all of this executor's lanes, which `maxQueue` bounds together.
   */
  protected refusal(mustWait: boolean, queued: number): ConcurrencyError | undefined {
    let refusal: ConcurrencyError | undefined;
    if (!this.isReady()) refusal = this.closedError();
    else if (mustWait && queued >= this.limits.maxQueue) {
      refusal = this.queueFullError(this.limits.maxQueue, this.limits.retryAfterSeconds);
    }
    if (refusal) this.outcomes.rejected++;
    return refusal;
  }

  /**
   * Shutdown's wait: stops taking work, then waits while `pending()` runs are queued or
   * running, until they end or the `shutdownTimeoutMs` budget runs out. `running` holds
   * the promises of the work running at each moment (a live Set). Resolves true if
   * everything ended in time.
   */
  protected async drain(
    pending: () => number,
    running: Iterable<Promise<unknown>>,
    noun: string,
  ): Promise<boolean> {
    this.beforeApplicationShutdown();
    if (pending() === 0) return true;
    this.logger.log(`Shutdown: waiting for ${pending()} ${noun}`);
    return drainUntil(this.shutdownDeadline!, () => pending() > 0, running);
  }

  /** The counters and histograms, for the executor's `stats()`. */
  protected admissionStats(): AdmissionStats {
    return {
      accepting: this.open,
      ...this.outcomes,
      waitTime: this.waitTime.summary(),
      runTime: this.runTime.summary(),
    };
  }

  /** The executor's own {@link QueueFullError}. */
  protected abstract queueFullError(maxQueue: number, retryAfterSeconds: number): QueueFullError;
  /** The executor's own {@link ClosedError}. */
  protected abstract closedError(): ClosedError;
}
