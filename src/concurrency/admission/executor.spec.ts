import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyError } from '../concurrency.errors';
import { ClosedError, QueueFullError, TimedOutError } from './admission.errors';
import { AdmittedRun } from './admitted-run';
import { type AdmissionLimits, Executor } from './executor';
import { RunLane } from './run-lane';

/*
 * The core as a third executor would use it: a minimal one that runs async functions in this
 * process, one slot lane, a deadline and a caller's signal per call.
 */
class CallsFull extends QueueFullError {}
class CallsClosed extends ClosedError {}
class CallTimedOut extends TimedOutError {}
class CallAborted extends ConcurrencyError {}

class Call extends AdmittedRun<Error> {
  readonly promise: Promise<unknown>;
  readonly queuedAt = performance.now();
  resolve!: (value: unknown) => void;
  reject!: (error: Error) => void;

  constructor(
    readonly work: () => Promise<unknown>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    private readonly executor: CallExecutor,
  ) {
    super(timeoutMs, signal);
    this.promise = new Promise((resolve, reject) => {
      this.resolve = (value) => this.settle() && resolve(value);
      this.reject = (error) => this.settle() && reject(error);
    });
  }

  protected timeoutReason(): Error {
    return new CallTimedOut('too slow', this.timeoutMs);
  }

  protected callerReason(cause: unknown): Error {
    return new CallAborted('cancelled', { cause });
  }

  protected onAbort(reason: Error): void {
    this.executor.dequeue(this);
    this.reject(reason);
  }
}

class CallExecutor extends Executor {
  readonly lane: RunLane<Call>;
  readonly working = new Set<Promise<unknown>>();

  constructor(slots: number, limits: Partial<AdmissionLimits> = {}) {
    super('CallExecutor', {
      maxQueue: 1,
      retryAfterSeconds: 2,
      shutdownTimeoutMs: 1_000,
      ...limits,
    });
    this.lane = new RunLane(slots);
  }

  run(
    work: () => Promise<unknown>,
    { signal, timeoutMs = 60_000 }: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<unknown> {
    const refused = this.refusal(this.lane.mustWait, this.lane.queued);
    if (refused) return Promise.reject(refused);
    const call = new Call(work, timeoutMs, signal, this);
    call.arm();
    if (!call.settled && this.lane.enter(call)) this.start(call);
    return call.promise;
  }

  dequeue(call: Call): void {
    this.lane.remove(call);
  }

  stats() {
    return { ...this.admissionStats(), queued: this.lane.queued, running: this.lane.running };
  }

  close(): Promise<boolean> {
    return this.drain(() => this.lane.queued + this.working.size, this.working, 'calls');
  }

  protected queueFullError(maxQueue: number, retryAfterSeconds: number): QueueFullError {
    return new CallsFull('full', maxQueue, retryAfterSeconds);
  }

  protected closedError(): ClosedError {
    return new CallsClosed('closed');
  }

  private start(call: Call): void {
    const startedAt = performance.now();
    this.waitTime.record(startedAt - call.queuedAt);
    const work = call.work();
    this.working.add(work);
    const finish = (ok: boolean, result: unknown) => {
      this.runTime.record(performance.now() - startedAt);
      this.working.delete(work);
      const next = this.lane.release();
      if (next) this.start(next);
      if (ok) call.resolve(result);
      else call.reject(result as Error);
    };
    work.then(
      (value) => finish(true, value),
      (error) => finish(false, error),
    );
  }
}

/** A promise and the function that resolves it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('Executor', () => {
  it('admits while a slot is free, queues up to maxQueue, then refuses with its QueueFullError', async () => {
    const executor = new CallExecutor(1, { maxQueue: 1, retryAfterSeconds: 2 });
    const { opened, open } = gate();
    const first = executor.run(() => opened.then(() => 'first'));
    const second = executor.run(() => Promise.resolve('second'));
    const refused = await executor.run(() => Promise.resolve('third')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallsFull);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect(refused).toMatchObject({ maxQueue: 1, retryAfterSeconds: 2 });
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1, rejected: 1 });
    open();
    await expect(Promise.all([first, second])).resolves.toEqual(['first', 'second']);
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, rejected: 1 });
  });

  it('with maxQueue 0, admits into a free slot and refuses only what would wait', async () => {
    const executor = new CallExecutor(2, { maxQueue: 0 });
    const { opened, open } = gate();
    const running = [executor.run(() => opened), executor.run(() => opened)];
    await expect(executor.run(() => opened)).rejects.toBeInstanceOf(CallsFull);
    open();
    await Promise.all(running);
    await expect(executor.run(() => Promise.resolve(1))).resolves.toBe(1);
  });

  it('starts queued calls in arrival order as slots free up', async () => {
    const executor = new CallExecutor(1, { maxQueue: 10 });
    const { opened, open } = gate();
    const order: number[] = [];
    const first = executor.run(() => opened);
    const rest = [1, 2, 3].map((n) =>
      executor.run(() => {
        order.push(n);
        return Promise.resolve(n);
      }),
    );
    open();
    await Promise.all([first, ...rest]);
    expect(order).toEqual([1, 2, 3]);
  });

  it('takes a queued call out of the queue at its deadline, leaving the running one alone', async () => {
    const executor = new CallExecutor(1, { maxQueue: 1 });
    const { opened, open } = gate();
    const running = executor.run(() => opened.then(() => 'done'));
    const queued = executor.run(() => Promise.resolve('never'), { timeoutMs: 50 });
    await expect(queued).rejects.toBeInstanceOf(CallTimedOut);
    await expect(queued).rejects.toBeInstanceOf(TimedOutError);
    expect(executor.stats()).toMatchObject({ queued: 0, running: 1 });
    open();
    await expect(running).resolves.toBe('done');
  });

  it("takes a queued call out of the queue when its caller's signal aborts", async () => {
    const executor = new CallExecutor(1, { maxQueue: 2 });
    const { opened, open } = gate();
    const running = executor.run(() => opened);
    const controller = new AbortController();
    const cancelled = executor.run(() => Promise.resolve('never'), { signal: controller.signal });
    const after = executor.run(() => Promise.resolve('after'));
    controller.abort(new Error('client went away'));
    await expect(cancelled).rejects.toMatchObject({ cause: { message: 'client went away' } });
    expect(executor.stats().queued).toBe(1);
    open();
    await running;
    await expect(after).resolves.toBe('after');
  });

  it('on shutdown refuses with its ClosedError and waits for the work it accepted', async () => {
    const executor = new CallExecutor(1, { maxQueue: 1 });
    const { opened, open } = gate();
    const running = executor.run(() => opened.then(() => 'running'));
    const queued = executor.run(() => Promise.resolve('queued'));
    executor.beforeApplicationShutdown();
    const refused = await executor.run(() => Promise.resolve()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CallsClosed);
    expect(refused).toMatchObject({ retryAfterSeconds: 5 });
    expect(executor.isReady()).toBe(false);
    expect(executor.stats()).toMatchObject({ accepting: false, rejected: 1 });

    const closed = executor.close();
    open();
    await expect(closed).resolves.toBe(true);
    await expect(Promise.all([running, queued])).resolves.toEqual(['running', 'queued']);
  });

  it('counts the shutdown budget from beforeApplicationShutdown, not from the drain', async () => {
    const executor = new CallExecutor(1, { shutdownTimeoutMs: 1_000 });
    const { opened, open } = gate();
    const running = executor.run(() => opened);
    executor.beforeApplicationShutdown();
    await sleep(1_000);
    // The budget is spent: the drain gives up at once, long before a fresh budget would end.
    const drained = await Promise.race([executor.close(), sleep(900, 'fresh budget')]);
    expect(drained).toBe(false);
    open();
    await running;
  });

  it('drains at once when nothing was accepted', async () => {
    const executor = new CallExecutor(1, { shutdownTimeoutMs: 60_000 });
    await expect(executor.close()).resolves.toBe(true);
    expect(executor.isReady()).toBe(false);
  });

  it('reports wait and run times to observers until they unsubscribe, and in its stats', async () => {
    const executor = new CallExecutor(1);
    const seen: string[] = [];
    const unsubscribe = executor.observeTimings((kind) => seen.push(kind));
    await executor.run(() => sleep(20));
    unsubscribe();
    await executor.run(() => Promise.resolve());
    expect(seen).toEqual(['wait', 'run']);
    expect(executor.stats()).toMatchObject({ waitTime: { count: 2 }, runTime: { count: 2 } });
    expect(executor.stats().runTime.max).toBeGreaterThanOrEqual(19);
  });
});
