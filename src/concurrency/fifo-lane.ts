/**
 * A FIFO semaphore: the admission of ChildProcessRunner. (WorkerPool admits through its
 * own `RunLane`, which listens to no signal per waiter; see worker-pool/run-lane.ts.)
 *
 * A slot is held until the work itself settles, not until its caller gives up, so work
 * that outlives its caller still counts against the limit.
 */
interface Waiter {
  /** Called with the slot taken, synchronously from the release that freed it. */
  resolve: () => void;
  reject: (error: Error) => void;
}

export class FifoLane {
  private active = 0;
  private readonly waiters = new Set<Waiter>();

  constructor(private readonly concurrency: number) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.size;
  }

  get hasFreeSlot(): boolean {
    return this.active < this.concurrency;
  }

  /**
   * Calls `onSlot` with a release function once a slot is free, in arrival order:
   * at once if one is free now, otherwise synchronously from the release that frees it,
   * so the next task starts without waiting for a promise job. If `signal` aborts first,
   * the waiter leaves the queue and `onAbort` gets the reason.
   */
  enter(
    signal: AbortSignal,
    onSlot: (release: () => void) => void,
    onAbort: (reason: Error) => void,
  ): void {
    if (signal.aborted) return onAbort(signal.reason as Error);
    if (this.active < this.concurrency && this.waiters.size === 0) {
      this.active++;
      return onSlot(this.releaser());
    }
    const waiter: Waiter = {
      resolve: () => {
        signal.removeEventListener('abort', abort);
        this.active++;
        onSlot(this.releaser());
      },
      reject: (error) => {
        signal.removeEventListener('abort', abort);
        onAbort(error);
      },
    };
    const abort = () => {
      this.waiters.delete(waiter);
      onAbort(signal.reason as Error);
    };
    signal.addEventListener('abort', abort, { once: true });
    this.waiters.add(waiter);
  }

  /** Waits for a slot in arrival order; leaves the queue and rejects if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    if (this.active < this.concurrency && this.waiters.size === 0) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          this.active++;
          resolve(this.releaser());
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Rejects every waiter with `error` (the pool is closing; no slot will come). */
  rejectAll(error: Error): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiters.values().next();
      if (!next.done) {
        this.waiters.delete(next.value);
        next.value.resolve();
      }
    };
  }
}
