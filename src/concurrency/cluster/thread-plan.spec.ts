import type { CpuBudget } from './cpu-budget';
import { type AppThreads, describePlan, planThreads, type ThreadPlanInput } from './thread-plan';

const budget = (cpus: number, limit = cpus): CpuBudget => ({
  cpus,
  limit,
  source: `cgroup v2 cpu.max "${limit * 100_000} 100000" at /sys/fs/cgroup`,
});

/** An app with a pool of busy threads and in-process slots that need libuv's pool. */
const threads: AppThreads = {
  groups: [
    { variable: 'POOL', noun: 'pool thread', busy: true },
    { variable: 'SLOTS', noun: 'in-process slot', busy: false },
  ],
  env: (perWorker) => ({ UV: String(perWorker.SLOTS + 2) }),
};

const plan = (input: Partial<ThreadPlanInput> & Pick<ThreadPlanInput, 'budget'>) =>
  planThreads({ clusterEnabled: true, workers: 'auto', threads, env: {}, ...input });

describe('planThreads', () => {
  it('forks one worker per CPU with one thread of each group for auto', () => {
    expect(plan({ budget: budget(4) })).toMatchObject({
      workers: 4,
      groups: [
        { variable: 'POOL', perWorker: 1 },
        { variable: 'SLOTS', perWorker: 1 },
      ],
      workerEnv: { POOL: '1', SLOTS: '1', UV: '3' },
      oversubscribed: false,
    });
  });

  it('shares the budget between an explicit number of workers', () => {
    expect(plan({ budget: budget(8), workers: 3 })).toMatchObject({
      workers: 3,
      groups: [{ perWorker: 2 }, { perWorker: 2 }],
      oversubscribed: false,
    });
  });

  it('gives one process the whole budget when the cluster is disabled', () => {
    expect(plan({ budget: budget(4), clusterEnabled: false })).toMatchObject({
      workers: 1,
      groups: [{ perWorker: 4 }, { perWorker: 4 }],
    });
  });

  it('keeps operator values and leaves them out of workerEnv', () => {
    const pool = plan({ budget: budget(4), workers: 2, env: { POOL: '3' } });
    expect(pool.groups.map((group) => group.perWorker)).toEqual([3, 2]);
    expect(pool.workerEnv).toEqual({ SLOTS: '2', UV: '4' });

    const all = plan({ budget: budget(4), workers: 2, env: { POOL: '1', SLOTS: '3', UV: '9' } });
    expect(all.groups.map((group) => group.perWorker)).toEqual([1, 3]);
    expect(all.workerEnv).toEqual({});
  });

  it('sizes only the workers for an app that declares no threads', () => {
    const bare = planThreads({ budget: budget(2), clusterEnabled: true, workers: 'auto' });
    expect(bare).toMatchObject({ workers: 2, groups: [], workerEnv: {}, oversubscribed: false });
  });

  it('flags workers × busy threads beyond the budget', () => {
    expect(plan({ budget: budget(2), env: { POOL: '2' } }).oversubscribed).toBe(true);
    // In-process slots do not count: they are not busy threads of their own.
    expect(plan({ budget: budget(2), env: { SLOTS: '8' } }).oversubscribed).toBe(false);
    expect(plan({ budget: budget(2), workers: 4 })).toMatchObject({
      groups: [{ perWorker: 1 }, { perWorker: 1 }],
      oversubscribed: true,
    });
  });

  it('refuses a worker count or a group size that is not a positive integer', () => {
    expect(() => plan({ budget: budget(2), workers: 0 })).toThrow(RangeError);
    expect(() => plan({ budget: budget(2), env: { POOL: 'many' } })).toThrow(/POOL="many"/);
  });
});

describe('describePlan', () => {
  it('says workers, each group and where the budget comes from', () => {
    expect(describePlan(plan({ budget: budget(2) }))).toBe(
      'Cluster plan: 2 workers × 1 pool thread + 1 in-process slot each, ' +
        'CPU budget 2 (cgroup v2 cpu.max "200000 100000" at /sys/fs/cgroup)',
    );
  });

  it('shows a fractional limit and a disabled cluster', () => {
    expect(describePlan(plan({ budget: budget(1, 1.5), clusterEnabled: false }))).toBe(
      'Cluster disabled: 1 process with 1 pool thread + 1 in-process slot, ' +
        'CPU budget 1 (limit 1.5, cgroup v2 cpu.max "150000 100000" at /sys/fs/cgroup)',
    );
  });

  it('says only the workers when the app declares no threads', () => {
    const bare = planThreads({ budget: budget(2), clusterEnabled: true, workers: 'auto' });
    expect(describePlan(bare)).toMatch(/^Cluster plan: 2 workers, CPU budget 2 \(/);
  });

  it('warns about oversubscription', () => {
    expect(describePlan(plan({ budget: budget(2), workers: 2, env: { POOL: '4' } }))).toMatch(
      /^Cluster plan: 2 workers × 4 pool threads \+ 1 in-process slot each, .*; WARNING: 8 pool threads in all oversubscribe the CPU budget$/,
    );
  });
});
