/**
 * Task descriptors: what `WorkerPool.run` needs to know about a task, typed so that the
 * compiler checks the input and result of every call.
 */
import type { Transferable } from 'node:worker_threads';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** Names of a module's exported functions of one argument. */
export type TaskName<Module> = {
  [K in keyof Module]: Module[K] extends AnyFunction ? K : never;
}[keyof Module] &
  string;

type InputOf<F> = F extends (input: infer I) => unknown ? I : never;
type OutputOf<F> = F extends AnyFunction ? Awaited<ReturnType<F>> : never;

/** A task that runs on a pool thread: an exported function of a `*.worker.ts` file. */
export interface ThreadTask<Input, Output> {
  readonly kind: 'thread';
  readonly name: string;
  readonly filename: string;
  /** Set when the task stops by itself once asked ({@link ThreadTaskOptions}). */
  readonly cancelGraceMs?: number;
  /** Phantom fields carrying the types; never set. */
  readonly __input?: Input;
  readonly __output?: Output;
}

/** What an in-process task gets besides its input. */
export interface InlineTaskContext {
  /** Aborted when the task times out or its caller cancels it. */
  readonly signal: AbortSignal;
  /** The task's deadline, as `Date.now()` milliseconds. */
  readonly deadline: number;
}

/**
 * A task that runs in this process under the same admission as thread tasks (queue bound,
 * timeout, cancellation, stats). For work that already leaves the event loop by itself,
 * such as sharp on libuv's thread pool, where a hop to a worker thread only costs.
 */
export interface InlineTask<Input, Output> {
  readonly kind: 'inline';
  readonly name: string;
  readonly run: (input: Input, context: InlineTaskContext) => Promise<Output>;
}

/** What {@link WorkerPool.run} takes: a task on a pool thread, or one in this process. */
export type Task<Input, Output> = ThreadTask<Input, Output> | InlineTask<Input, Output>;

/** Options of a thread task (see {@link defineThreadTask}). */
export interface ThreadTaskOptions {
  /**
   * The task stops by itself when asked: it checks `isCancelled(input)` as it goes (the input
   * type includes `Cancellable`, cancellation.ts). When its deadline passes or its caller
   * aborts, the caller is answered at once and the task asked to stop; its thread is stopped
   * only if the task is still running this many milliseconds later. Unset: a cancelled task's
   * thread is stopped at once, and replaced.
   */
  cancelGraceMs?: number;
}

/**
 * Declares a thread task from the type of its worker module. The module is only imported
 * as a type, so the main thread never loads it:
 *
 * ```ts
 * import type * as HashWorker from './hash.worker';
 * export const hashTask = defineThreadTask<typeof HashWorker>()(
 *   require.resolve('./hash.worker'),
 *   'sha256', // an exported function of one argument
 * );
 * ```
 *
 * `require.resolve` finds `hash.worker.js` in `dist/` and `hash.worker.ts` under jest.
 */
export function defineThreadTask<Module>() {
  return <Name extends TaskName<Module>>(
    filename: string,
    name: Name,
    options: ThreadTaskOptions = {},
  ): ThreadTask<InputOf<Module[Name]>, OutputOf<Module[Name]>> => ({
    kind: 'thread',
    filename,
    name,
    ...(options.cancelGraceMs !== undefined && { cancelGraceMs: options.cancelGraceMs }),
  });
}

/** Declares an in-process task (see {@link InlineTask}). */
export function defineInlineTask<Input, Output>(
  name: string,
  run: (input: Input, context: InlineTaskContext) => Promise<Output>,
): InlineTask<Input, Output> {
  return { kind: 'inline', name, run };
}

/** Options of one {@link WorkerPool.run} call. */
export interface RunOptions {
  /**
   * Cancels the task: a queued task leaves the queue; a running thread task stops its thread
   * (or, defined with `cancelGraceMs`, is asked to stop first).
   */
  signal?: AbortSignal;
  /** Deadline for this task, queue wait included. Default: the pool's `taskTimeoutMs`. */
  timeoutMs?: number;
  /** Buffers to move to the thread instead of copying them (thread tasks only). */
  transferList?: readonly Transferable[];
}
