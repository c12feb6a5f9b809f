import { AdmittedRun } from '../admission';
import { newCancelFlag, raiseCancelFlag } from './cancellation';
import { type RunOptions, type Task } from './task';
import { TaskAbortedError, TaskTimeoutError } from './worker-pool.errors';

/** Told when a run's deadline passed or its caller aborted it (`run.reason` says which). */
export type OnRunAborted = (run: TaskRun) => void;

/**
 * One call of `WorkerPool.run`, from submission to settlement: the caller's promise, and,
 * through {@link AdmittedRun}, the deadline, the caller's signal and the abort state.
 *
 * It is also the abort signal piscina gets for a thread task. piscina takes any object with
 * `addEventListener('abort', …)`/`removeEventListener` and `aborted`/`reason` (its README,
 * `run(task, { signal })`) and adds one listener per task. In Node 20 an `AbortController`
 * with a listener added and removed costs about 4 µs, more than the rest of a dispatch
 * (BENCHMARKS.md §2), so only in-process tasks, whose code may pass the signal on to other
 * APIs, get a real one, made when they start.
 */
export class TaskRun extends AdmittedRun<Error> {
  readonly promise: Promise<unknown>;
  /** `performance.now()` at submission, and at start (0 until then). */
  readonly queuedAt = performance.now();
  startedAt = 0;
  /** The deadline as a `Date.now()` time, queue wait included. */
  readonly deadline: number;
  private input: unknown;
  private resolvePromise!: (output: unknown) => void;
  private rejectPromise!: (error: unknown) => void;
  private piscinaListener: (() => void) | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  /** A cooperative thread task's flag (cancellation.ts), made when it starts. */
  private cancelFlag: Int32Array | undefined = undefined;
  /** Stops a cooperative task's thread if the task is still running after its grace. */
  private hardStop: NodeJS.Timeout | undefined = undefined;

  constructor(
    readonly task: Task<unknown, unknown>,
    input: unknown,
    readonly options: RunOptions,
    timeoutMs: number,
    private readonly onAborted: OnRunAborted,
  ) {
    super(timeoutMs, options.signal);
    this.input = input;
    this.promise = new Promise((resolve, reject) => {
      this.resolvePromise = resolve;
      this.rejectPromise = reject;
    });
    this.deadline = Date.now() + timeoutMs;
  }

  /** The input, handed over once at start: the run does not keep it alive while it runs. */
  takeInput(): unknown {
    const input = this.input;
    this.input = undefined;
    return input;
  }

  /** The input of a cooperative thread task: the caller's fields, and the run's cancel flag. */
  takeCooperativeInput(): unknown {
    this.cancelFlag = newCancelFlag();
    return { ...(this.takeInput() as object), cancelFlag: this.cancelFlag };
  }

  /** A running task that stops by itself when asked (its caller is answered at once). */
  get cooperative(): boolean {
    return this.cancelFlag !== undefined;
  }

  /** The signal an in-process task gets: a real one, since its code may pass it on. */
  inlineSignal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  resolve(output: unknown): void {
    if (this.settle()) this.resolvePromise(output);
  }

  reject(error: unknown): void {
    if (this.settle()) this.rejectPromise(error);
  }

  /** piscina's side of the signal: it adds one listener per task, and removes it when done. */
  addEventListener(_type: 'abort', listener: () => void): void {
    this.piscinaListener = listener;
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.piscinaListener === listener) this.piscinaListener = undefined;
    clearTimeout(this.hardStop);
  }

  protected timeoutReason(): Error {
    return new TaskTimeoutError(this.task.name, this.timeoutMs);
  }

  protected callerReason(cause: unknown): Error {
    return new TaskAbortedError(this.task.name, { cause });
  }

  /**
   * Tells the task (a cooperative one through its flag, then piscina after its grace;
   * otherwise piscina, which stops the thread) and in-process code, then the pool.
   */
  protected onAbort(reason: Error): void {
    if (this.cancelFlag) {
      raiseCancelFlag(this.cancelFlag);
      const graceMs = (this.task.kind === 'thread' && this.task.cancelGraceMs) || 0;
      this.hardStop = setTimeout(() => this.piscinaListener?.(), graceMs);
      this.hardStop.unref();
    } else {
      this.piscinaListener?.();
    }
    this.controller?.abort(reason);
    this.onAborted(this);
  }
}
