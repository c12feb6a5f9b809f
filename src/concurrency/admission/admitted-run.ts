/** setTimeout fires at once for delays past 2^31 - 1 ms: longer timers are clamped to it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One accepted call of an executor, from submission until it settles: its deadline (queue
 * wait included) and its caller's signal. Whichever comes first aborts it, once, with the
 * reason the executor gives ({@link timeoutReason}, {@link callerReason}); the executor
 * then takes it out of its queue or stops its work ({@link onAbort}).
 *
 * Cheap on purpose, since WorkerPool makes one per task: the timer gets the run as its
 * argument rather than a closure, and only a caller's signal gets a listener; no
 * AbortController is made here (one with a listener costs about 4 µs in Node 20, more than
 * the rest of a dispatch: BENCHMARKS.md §2).
 */
export abstract class AdmittedRun<Reason> {
  /** True once the deadline passed or the caller aborted; `reason` says which. */
  aborted = false;
  reason: Reason | undefined = undefined;
  /** True once the executor answered the caller; an abort after that does nothing. */
  settled = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private callerListener: (() => void) | undefined = undefined;

  constructor(
    /** The deadline, from submission; 0 for none. */
    readonly timeoutMs: number,
    /** The caller's signal. */
    readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Starts the deadline and listens to the caller's signal; an already-aborted signal aborts
   * the run at once. Not in the constructor, so that `onAbort` sees a whole run.
   */
  arm(): void {
    const { signal } = this;
    if (signal?.aborted) return this.abort(this.callerReason(signal.reason));
    if (this.timeoutMs > 0) {
      this.timer = setTimeout(AdmittedRun.expire, Math.min(this.timeoutMs, MAX_TIMER_MS), this);
    }
    if (signal) {
      this.callerListener = () => this.abort(this.callerReason(signal.reason));
      signal.addEventListener('abort', this.callerListener, { once: true });
    }
  }

  /** Aborts the run for `reason`, then tells the executor. The first reason wins. */
  abort(reason: Reason): void {
    if (this.aborted || this.settled) return;
    this.aborted = true;
    this.reason = reason;
    this.disarm();
    this.onAbort(reason);
  }

  /** Marks the run settled and drops its timer and listener; false if it already was. */
  protected settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.disarm();
    return true;
  }

  /** The reason a run that passed its deadline is aborted with. */
  protected abstract timeoutReason(): Reason;
  /** The reason a run whose caller aborted is aborted with; `cause` is the signal's reason. */
  protected abstract callerReason(cause: unknown): Reason;
  /** Called once, on abort, while the run is not settled: where the executor reacts. */
  protected abstract onAbort(reason: Reason): void;

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.callerListener) this.signal?.removeEventListener('abort', this.callerListener);
    this.callerListener = undefined;
  }

  private static expire(this: void, run: AdmittedRun<unknown>): void {
    run.abort(run.timeoutReason());
  }
}
