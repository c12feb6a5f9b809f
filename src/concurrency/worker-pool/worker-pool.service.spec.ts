import { createHook } from 'node:async_hooks';
import { getEventListeners, setMaxListeners } from 'node:events';
import { getPriority } from 'node:os';
import { Test, type TestingModule } from '@nestjs/testing';
import { Hold } from '../../../test/support/hold';
import { waitFor } from '../../../test/support/wait';
import {
  defineInlineTask,
  defineThreadTask,
  PoolClosedError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
  WorkerPool,
  WorkerPoolModule,
  type WorkerPoolModuleOptions,
} from './index';

import type * as Fixtures from '../../../test/fixtures/pool-tasks.worker';

const fixture = defineThreadTask<typeof Fixtures>();
const file = require.resolve('../../../test/fixtures/pool-tasks.worker');
const add = fixture(file, 'add');
const byteLength = fixture(file, 'byteLength');
const hold = fixture(file, 'hold');
const spin = fixture(file, 'spin');
const fail = fixture(file, 'fail');
const exit = fixture(file, 'exit');
const exhaustHeap = fixture(file, 'exhaustHeap');
const priority = fixture(file, 'priority');
const cooperate = fixture(file, 'cooperate', { cancelGraceMs: 300 });

/**
 * Follows the timers `create` makes (synchronously): `pending()` counts those not yet cleared
 * or fired. Node reports a timer's end a moment after it, from the event loop.
 */
function trackTimers<T>(create: () => T) {
  const created = new Set<number>();
  let creating = true;
  const hook = createHook({
    init(id, type) {
      if (creating && type === 'Timeout') created.add(id);
    },
    destroy(id) {
      created.delete(id);
    },
  }).enable();
  try {
    return { result: create(), pending: () => created.size, disable: () => hook.disable() };
  } finally {
    creating = false;
  }
}

describe('WorkerPool', () => {
  let moduleRef: TestingModule | undefined;
  const holds: Hold[] = [];

  async function createPool(options: WorkerPoolModuleOptions): Promise<WorkerPool> {
    moduleRef = await Test.createTestingModule({
      imports: [WorkerPoolModule.forRoot(options)],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(WorkerPool);
  }

  function holdTask(pool: WorkerPool, value = 0) {
    const latch = new Hold();
    holds.push(latch);
    return { latch, result: pool.run(hold, { flags: latch.flags, value }) };
  }

  afterEach(async () => {
    holds.splice(0).forEach((h) => h.release());
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('runs a typed task on a thread and returns its result', async () => {
    const pool = await createPool({ threads: 2 });
    await expect(pool.run(add, { a: 2, b: 3 })).resolves.toBe(5);
    expect(pool.stats()).toMatchObject({ completed: 1, failed: 0, running: 0 });
  });

  it('moves transferred buffers instead of copying them', async () => {
    const pool = await createPool({ threads: 1 });
    const input = new Uint8Array(1024 * 1024);
    await expect(pool.run(byteLength, input, { transferList: [input.buffer] })).resolves.toBe(
      1024 * 1024,
    );
    expect(input.byteLength).toBe(0); // detached: the thread owns it now
  });

  it('rejects at once with TaskQueueFullError when the queue is at its limit', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 1, retryAfterSeconds: 2 });
    const running = holdTask(pool, 1);
    await running.latch.started();
    const queued = pool.run(add, { a: 1, b: 1 });

    const error = await pool.run(add, { a: 0, b: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskQueueFullError);
    expect(error).toMatchObject({ maxQueue: 1, retryAfterSeconds: 2 });
    expect(pool.stats()).toMatchObject({ queueSize: 1, rejected: 1 });

    running.latch.release();
    await expect(running.result).resolves.toBe(1);
    await expect(queued).resolves.toBe(2);
  });

  it('serves queued tasks in submission order', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 20 });
    const first = holdTask(pool);
    await first.latch.started();
    const order: number[] = [];
    const rest = Array.from({ length: 10 }, (_, i) =>
      pool.run(add, { a: i, b: 0 }).then((v) => order.push(v)),
    );
    first.latch.release();
    await Promise.all([first.result, ...rest]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('rejects a task past its deadline with TaskTimeoutError and keeps serving', async () => {
    const pool = await createPool({ threads: 1 });
    const error = await pool.run(spin, 5_000, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskTimeoutError);
    expect(error).toMatchObject({ task: 'spin', timeoutMs: 100, timedOut: true });
    await expect(pool.run(add, { a: 1, b: 2 })).resolves.toBe(3);
    expect(pool.stats().timedOut).toBe(1);
  });

  it('removes a queued task whose signal aborts', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 4 });
    const running = holdTask(pool);
    await running.latch.started();
    const controller = new AbortController();
    const queued = pool.run(add, { a: 1, b: 1 }, { signal: controller.signal });
    expect(pool.stats().queueSize).toBe(1);

    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(TaskAbortedError);
    expect(pool.stats()).toMatchObject({ queueSize: 0, aborted: 1 });
    running.latch.release();
    await running.result;
  });

  it('refuses a task whose signal is already aborted', async () => {
    const pool = await createPool({ threads: 1 });
    await expect(
      pool.run(add, { a: 1, b: 1 }, { signal: AbortSignal.abort() }),
    ).rejects.toBeInstanceOf(TaskAbortedError);
  });

  it("rejects with the task's own error when the task throws", async () => {
    const pool = await createPool({ threads: 1 });
    const error = await pool.run(fail, 'bad input').catch((e: unknown) => e);
    // Cloned across threads by Node, so it is a TypeError of Node's realm, not jest's.
    expect(error).toMatchObject({ name: 'TypeError', message: 'bad input' });
    expect(pool.stats()).toMatchObject({ failed: 1, threadRestarts: 0 });
  });

  it('fails only the task whose thread exits, replaces the thread, and keeps serving', async () => {
    const pool = await createPool({ threads: 2 });
    const bystander = holdTask(pool, 7);
    await bystander.latch.started();

    const error = await pool.run(exit, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as WorkerCrashedError).cause).toMatchObject({
      message: 'worker exited with code: 3',
    });

    bystander.latch.release();
    await expect(bystander.result).resolves.toBe(7);
    await expect(pool.run(add, { a: 2, b: 2 })).resolves.toBe(4);
    expect(pool.stats().threadRestarts).toBe(1);
  });

  it('fails only the task whose thread exhausts its heap', async () => {
    const pool = await createPool({ threads: 1, maxHeapMb: 16 });
    const error = await pool.run(exhaustHeap, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as WorkerCrashedError).cause).toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    await expect(pool.run(add, { a: 5, b: 5 })).resolves.toBe(10);
  });

  // piscina loads @napi-rs/nice in each thread and ignores a failure to load it: a native
  // addon that does not load on this Node would only show here.
  it('runs its threads at the niceness it was given, through the native addon', async () => {
    const base = getPriority();
    const pool = await createPool({ threads: 1, niceIncrement: 5 });
    await expect(pool.run(priority, undefined)).resolves.toBe(Math.min(19, base + 5));
    expect(getPriority()).toBe(base); // the event loop's thread keeps its own
  });

  it('reports each thread in its stats', async () => {
    const pool = await createPool({ threads: 2 });
    const running = holdTask(pool);
    await running.latch.started();
    const { threads } = pool.stats();
    expect(threads).toHaveLength(2);
    expect(threads.every((t) => t.alive)).toBe(true);
    expect(threads.filter((t) => t.busy)).toHaveLength(1);
    running.latch.release();
    await running.result;
    expect(pool.stats().runTime.count).toBeGreaterThanOrEqual(1);
  });

  it("counts each thread's finished and failed tasks", async () => {
    const pool = await createPool({ threads: 1 });
    await pool.run(add, { a: 1, b: 1 });
    await pool.run(add, { a: 1, b: 2 });
    await pool.run(fail, 'bad input').catch(() => undefined);
    const [thread] = pool.stats().threads;
    expect(thread).toMatchObject({ tasksDone: 2, tasksFailed: 1 });
  });

  it("reports each thread's p99 run time in milliseconds", async () => {
    const pool = await createPool({ threads: 1 });
    await pool.run(spin, 50); // 50 ms of the thread's time
    const [thread] = pool.stats().threads;
    // At least the 50 ms it spun; far under 50 000 (what microseconds would read), with room
    // for a loaded machine.
    expect(thread.runP99Ms).toBeGreaterThanOrEqual(50);
    expect(thread.runP99Ms).toBeLessThan(5_000);
  });

  it('stops a running thread task whose signal aborts, and keeps serving', async () => {
    const pool = await createPool({ threads: 1 });
    const latch = new Hold();
    holds.push(latch);
    const controller = new AbortController();
    const result = pool.run(hold, { flags: latch.flags, value: 1 }, { signal: controller.signal });
    await latch.started();

    controller.abort(new Error('client went away'));
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskAbortedError);
    expect((error as TaskAbortedError).cause).toMatchObject({ message: 'client went away' });
    await expect(pool.run(add, { a: 1, b: 1 })).resolves.toBe(2);
    expect(pool.stats()).toMatchObject({ aborted: 1, failed: 0, threadRestarts: 1 });
  });

  describe('a cooperative task (cancelGraceMs)', () => {
    function cooperating(pool: WorkerPool, obey: boolean, options = {}) {
      const latch = new Hold();
      holds.push(latch);
      return { latch, result: pool.run(cooperate, { flags: latch.flags, obey }, options) };
    }

    it('is asked to stop when its signal aborts: the caller is answered, the thread kept', async () => {
      const pool = await createPool({ threads: 1 });
      const controller = new AbortController();
      const task = cooperating(pool, true, { signal: controller.signal });
      await task.latch.started();

      controller.abort(new Error('client went away'));
      await expect(task.result).rejects.toBeInstanceOf(TaskAbortedError);
      await expect(pool.run(add, { a: 1, b: 1 })).resolves.toBe(2);
      expect(pool.stats()).toMatchObject({ aborted: 1, failed: 0, running: 0, threadRestarts: 0 });
    });

    it('stops when its deadline passes, on the same thread', async () => {
      const pool = await createPool({ threads: 1 });
      // A thread's first task loads its module, which no flag interrupts: on a loaded machine
      // that can outlast the deadline and the grace. Load it first; then only the task counts.
      await expect(pool.run(add, { a: 1, b: 1 })).resolves.toBe(2);
      const task = cooperating(pool, true, { timeoutMs: 100 });
      await expect(task.result).rejects.toBeInstanceOf(TaskTimeoutError);
      await expect(pool.run(add, { a: 2, b: 2 })).resolves.toBe(4);
      expect(pool.stats()).toMatchObject({ timedOut: 1, running: 0, threadRestarts: 0 });
    });

    it('has its thread stopped when it is still running after its grace', async () => {
      const pool = await createPool({ threads: 1 });
      const controller = new AbortController();
      const task = cooperating(pool, false, { signal: controller.signal });
      await task.latch.started();

      const abortedAt = performance.now();
      controller.abort(new Error('client went away'));
      // Answered at once, not after the grace.
      await expect(task.result).rejects.toBeInstanceOf(TaskAbortedError);
      expect(performance.now() - abortedAt).toBeLessThan(300);
      // The next task waits for the slot: the grace (300 ms), then a new thread.
      await expect(pool.run(add, { a: 3, b: 3 })).resolves.toBe(6);
      expect(performance.now() - abortedAt).toBeGreaterThanOrEqual(300);
      expect(pool.stats()).toMatchObject({ aborted: 1, running: 0, threadRestarts: 1 });
    });
  });

  it('counts queue wait against the deadline: a queued task times out in the queue', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 4 });
    const running = holdTask(pool, 5);
    await running.latch.started();

    const queued = pool.run(add, { a: 1, b: 1 }, { timeoutMs: 50 });
    await expect(queued).rejects.toBeInstanceOf(TaskTimeoutError);
    expect(pool.stats()).toMatchObject({ queueSize: 0, timedOut: 1, running: 1 });
    running.latch.release();
    await expect(running.result).resolves.toBe(5);
    expect(pool.stats().threadRestarts).toBe(0); // the running task was not touched
  });

  it('keeps submission order around a queued task that was cancelled', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 10 });
    const first = holdTask(pool);
    await first.latch.started();
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const order: number[] = [];
    const rest = controllers.map(({ signal }, i) =>
      pool.run(add, { a: i, b: 0 }, { signal }).then((v) => order.push(v)),
    );

    controllers[1].abort();
    await expect(rest[1]).rejects.toBeInstanceOf(TaskAbortedError);
    first.latch.release();
    await Promise.all([first.result, ...rest.filter((_, i) => i !== 1)]);
    expect(order).toEqual([0, 2, 3, 4]);
  });

  it('keeps submission order while a stopped thread is replaced', async () => {
    const pool = await createPool({ threads: 1, maxQueue: 10 });
    const latch = new Hold();
    holds.push(latch);
    const controller = new AbortController();
    const stopped = pool.run(hold, { flags: latch.flags, value: 0 }, { signal: controller.signal });
    await latch.started();
    const order: number[] = [];
    const rest = [1, 2, 3, 4].map((a) => pool.run(add, { a, b: 0 }).then((v) => order.push(v)));
    expect(pool.stats()).toMatchObject({ queueSize: 4, running: 1 });

    controller.abort(); // its thread is stopped; the queued tasks wait for the new one
    await expect(stopped).rejects.toBeInstanceOf(TaskAbortedError);
    await Promise.all(rest);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(pool.stats()).toMatchObject({ threadRestarts: 1, completed: 4, queueSize: 0 });
  });

  it("leaves no listener on the caller's signal and no timer once its tasks settle", async () => {
    const pool = await createPool({ threads: 2 });
    const { signal } = new AbortController();
    setMaxListeners(32, signal); // one listener per pending task; Node warns past 10
    // Only the timers the pool creates: a count of the process's timers would also see the
    // test runner's own, which come and go while the tasks run.
    const timers = trackTimers(() => [
      ...Array.from({ length: 20 }, (_, i) => pool.run(add, { a: i, b: 0 }, { signal })),
      pool.run(fail, 'bad input', { signal }).catch(() => undefined),
    ]);
    try {
      expect(getEventListeners(signal, 'abort')).toHaveLength(21);
      expect(timers.pending()).toBe(21); // a deadline per task while it is pending

      await Promise.all(timers.result);
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      // A leaked deadline would fire only at the pool's default (30 s), after this gives up.
      await waitFor(() => timers.pending() === 0, 'the deadlines to be cleared');
    } finally {
      timers.disable();
    }
  });

  it('records the wait and run time of every task it started', async () => {
    const pool = await createPool({ threads: 1 });
    const observed = { wait: 0, run: 0 };
    pool.observeTimings((kind) => observed[kind]++);
    await Promise.all([1, 2, 3].map((a) => pool.run(add, { a, b: 0 })));
    expect(observed).toEqual({ wait: 3, run: 3 });
    expect(pool.stats()).toMatchObject({ waitTime: { count: 3 }, runTime: { count: 3 } });
  });

  describe('in-process tasks', () => {
    it('bounds concurrency and queue, and holds the slot until the work settles', async () => {
      const pool = await createPool({ threads: 1, inlineConcurrency: 1, maxQueue: 1 });
      let finish!: () => void;
      const slow = defineInlineTask<void, string>(
        'slow',
        () => new Promise((r) => (finish = () => r('done'))),
      );
      const quick = defineInlineTask<number, number>('quick', (n) => Promise.resolve(n * 2));

      const timedOut = pool.run(slow, undefined, { timeoutMs: 50 });
      const queued = pool.run(quick, 21);
      await expect(pool.run(quick, 1)).rejects.toBeInstanceOf(TaskQueueFullError);
      await expect(timedOut).rejects.toBeInstanceOf(TaskTimeoutError);
      // The caller gave up, but the work still runs: the queued task must not start yet.
      expect(pool.stats().inline).toMatchObject({ running: 1, queued: 1 });
      finish();
      await expect(queued).resolves.toBe(42);
    });

    it('releases the slot of a task that throws synchronously', async () => {
      const pool = await createPool({ inlineConcurrency: 1 });
      const broken = defineInlineTask<void, void>('broken', () => {
        throw new RangeError('sync');
      });
      const quick = defineInlineTask<number, number>('quick', (n) => Promise.resolve(n + 1));
      await expect(pool.run(broken, undefined)).rejects.toThrow(RangeError);
      await expect(pool.run(quick, 1)).resolves.toBe(2);
      expect(pool.stats().inline).toMatchObject({ running: 0, queued: 0 });
    });

    it('passes an abort signal that fires on timeout', async () => {
      const pool = await createPool({ inlineConcurrency: 2 });
      let seen: AbortSignal | undefined;
      const watch = defineInlineTask<void, void>('watch', (_, { signal }) => {
        seen = signal;
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve()));
      });
      await expect(pool.run(watch, undefined, { timeoutMs: 30 })).rejects.toBeInstanceOf(
        TaskTimeoutError,
      );
      expect(seen?.aborted).toBe(true);
    });
  });

  describe('shutdown', () => {
    it('lets running tasks finish, refuses new ones, and stops every thread', async () => {
      const pool = await createPool({ threads: 2, shutdownTimeoutMs: 5_000 });
      const running = pool.run(spin, 200);
      pool.beforeApplicationShutdown(); // what app.close() calls first
      await expect(pool.run(add, { a: 1, b: 1 })).rejects.toBeInstanceOf(PoolClosedError);
      await moduleRef!.close();
      moduleRef = undefined;
      await expect(running).resolves.toBeGreaterThan(0);
      expect(pool.stats().threads).toHaveLength(0);
      expect(pool.isReady()).toBe(false);
    });

    it('stops tasks still running or queued at the shutdown timeout', async () => {
      const pool = await createPool({ threads: 1, shutdownTimeoutMs: 100 });
      const running = holdTask(pool);
      await running.latch.started();
      const queued = [pool.run(add, { a: 1, b: 1 }), pool.run(add, { a: 2, b: 2 })];
      const outcomes = [running.result, ...queued].map((p) =>
        expect(p).rejects.toBeInstanceOf(PoolClosedError),
      );
      await moduleRef!.close();
      moduleRef = undefined;
      await Promise.all(outcomes);
      expect(pool.stats()).toMatchObject({ running: 0, queueSize: 0 });
    });
  });
});
