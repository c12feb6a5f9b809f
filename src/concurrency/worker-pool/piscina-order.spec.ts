import { Piscina } from 'piscina';
import { Hold } from '../../../test/support/hold';
import { TYPESCRIPT_HOOK_ARGV } from '../from-sources';

/*
 * Why WorkerPool keeps its own FIFO (RunLane) in front of piscina: with a signal on every
 * task, which deadlines need, piscina 5 serves queued tasks last-in first-out even with
 * `stricterFIFO` (piscina issue #899). Without signals its own queue is fair. Should a
 * piscina release fix the first case, this spec fails, and the lane could give way to
 * piscina's queue.
 */
describe('piscina queue order (why WorkerPool queues itself)', () => {
  const filename = require.resolve('../../../test/fixtures/pool-tasks.worker');
  let pool: Piscina;
  let hold: Hold;

  beforeEach(() => {
    pool = new Piscina({
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Infinity,
      stricterFIFO: true,
      execArgv: TYPESCRIPT_HOOK_ARGV,
    });
    hold = new Hold();
  });

  afterEach(async () => {
    hold.release();
    await pool.destroy();
  });

  async function completionOrder(withSignals: boolean): Promise<number[]> {
    const busy = pool.run({ flags: hold.flags, value: -1 }, { filename, name: 'hold' });
    await hold.started();
    const order: number[] = [];
    const queued = [0, 1, 2, 3].map((i) =>
      pool
        .run(
          { a: i, b: 0 },
          { filename, name: 'add', signal: withSignals ? new AbortController().signal : null },
        )
        .then((v: number) => order.push(v)),
    );
    hold.release();
    await Promise.all([busy, ...queued]);
    return order;
  }

  it('is first-in first-out for tasks without a signal', async () => {
    await expect(completionOrder(false)).resolves.toEqual([0, 1, 2, 3]);
  });

  it('is last-in first-out for tasks with a signal, even with stricterFIFO', async () => {
    await expect(completionOrder(true)).resolves.toEqual([3, 2, 1, 0]);
  });
});
