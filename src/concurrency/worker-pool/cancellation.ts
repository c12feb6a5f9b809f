/**
 * Cooperative cancellation of a thread task. A task defined with `cancelGraceMs`
 * (`defineThreadTask`) gets a flag in its input, shared with the main thread, and checks it
 * as it goes; when its deadline passes or its caller aborts, `WorkerPool` answers the caller
 * at once and raises the flag, and the task returns early, so its thread lives on. Only a
 * task still running `cancelGraceMs` later has its thread stopped, as any other cancelled
 * thread task has at once.
 *
 * Stopping a thread is costly and not always safe: the replacement loads the task's modules
 * again, and Node may abort the whole process when a thread is torn down in the middle of
 * native work (a zlib stream between its creation and its init, for example: pdfkit
 * compresses every page).
 *
 * Runs on both sides (the main thread and pool threads): it imports nothing.
 */

/** What the input of a cooperative thread task carries besides its own fields. */
export interface Cancellable {
  /** Set by `WorkerPool`; raised (non-zero) once the task should stop. */
  readonly cancelFlag?: Int32Array;
}

/** True once the task this input belongs to should stop. Cheap: one atomic load. */
export function isCancelled(input: Cancellable): boolean {
  return input.cancelFlag !== undefined && Atomics.load(input.cancelFlag, 0) !== 0;
}

/** A new flag, not raised. */
export function newCancelFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
}

/** Raises `flag`, and wakes a task that waits on it (`Atomics.wait(flag, 0, 0)`). */
export function raiseCancelFlag(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
