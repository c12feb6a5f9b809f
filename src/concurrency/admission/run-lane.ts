/**
 * A FIFO admission of runs with a fixed number of slots (WorkerPool has one for thread
 * tasks and one for in-process tasks, ChildProcessRunner one for commands). It only counts
 * and orders; the executor starts what it hands back. It listens to no signal: a run that
 * is aborted while it waits is taken out by its executor ({@link RunLane.remove}), which
 * saves two EventTarget calls per queued run.
 */
export class RunLane<Run> {
  private active = 0;
  // A Set keeps insertion order and removes in O(1), for cancelled runs.
  private readonly waiting = new Set<Run>();

  constructor(private readonly slots: number) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /** True when a new run would have to wait (no free slot, or others are waiting first). */
  get mustWait(): boolean {
    return this.active >= this.slots || this.waiting.size > 0;
  }

  /** Takes a slot for `run` and returns true, or queues it and returns false. */
  enter(run: Run): boolean {
    if (this.mustWait) {
      this.waiting.add(run);
      return false;
    }
    this.active++;
    return true;
  }

  /** Takes `run` out of the queue; false if it was not waiting. */
  remove(run: Run): boolean {
    return this.waiting.delete(run);
  }

  /** Frees a slot and hands it to the oldest waiting run, which the caller must start. */
  release(): Run | undefined {
    this.active--;
    for (const next of this.waiting) {
      this.waiting.delete(next);
      this.active++;
      return next;
    }
    return undefined;
  }

  /** Empties the queue, returning what waited (the pool is closing). */
  drain(): Run[] {
    const runs = [...this.waiting];
    this.waiting.clear();
    return runs;
  }
}
