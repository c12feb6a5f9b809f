import type { CpuBudget } from './cpu-budget';
import { describePlan, planThreads } from './thread-plan';

const budget = (cpus: number, limit = cpus): CpuBudget => ({
  cpus,
  limit,
  source: `cgroup v2 cpu.max "${limit * 100_000} 100000" at /sys/fs/cgroup`,
});

describe('planThreads', () => {
  it('forks one worker per CPU with one pool thread each for auto', () => {
    const plan = planThreads({ budget: budget(4), clusterEnabled: true, workers: 'auto' });
    expect(plan).toMatchObject({
      workers: 4,
      poolThreadsPerWorker: 1,
      inlineConcurrencyPerWorker: 1,
      workerEnv: { WORKER_POOL_THREADS: '1', WORKER_INLINE_CONCURRENCY: '1' },
      oversubscribed: false,
    });
  });

  it('shares the budget between an explicit number of workers', () => {
    const plan = planThreads({ budget: budget(8), clusterEnabled: true, workers: 3 });
    expect(plan).toMatchObject({ workers: 3, poolThreadsPerWorker: 2, oversubscribed: false });
  });

  it('gives one process the whole budget when the cluster is disabled', () => {
    const plan = planThreads({ budget: budget(4), clusterEnabled: false, workers: 'auto' });
    expect(plan).toMatchObject({
      workers: 1,
      poolThreadsPerWorker: 4,
      inlineConcurrencyPerWorker: 4,
    });
  });

  it('keeps operator values and leaves them out of workerEnv', () => {
    const plan = planThreads({
      budget: budget(4),
      clusterEnabled: true,
      workers: 2,
      poolThreads: 2,
    });
    expect(plan).toMatchObject({ poolThreadsPerWorker: 2, inlineConcurrencyPerWorker: 2 });
    expect(plan.workerEnv).toEqual({ WORKER_INLINE_CONCURRENCY: '2' });

    const both = planThreads({
      budget: budget(4),
      clusterEnabled: true,
      workers: 2,
      poolThreads: 1,
      inlineConcurrency: 3,
    });
    expect(both).toMatchObject({ poolThreadsPerWorker: 1, inlineConcurrencyPerWorker: 3 });
    expect(both.workerEnv).toEqual({});
  });

  it('flags workers × pool threads beyond the budget', () => {
    const threads = planThreads({
      budget: budget(2),
      clusterEnabled: true,
      workers: 'auto',
      poolThreads: 2,
    });
    expect(threads.oversubscribed).toBe(true);
    const workers = planThreads({ budget: budget(2), clusterEnabled: true, workers: 4 });
    expect(workers).toMatchObject({ poolThreadsPerWorker: 1, oversubscribed: true });
  });

  it('refuses a worker count that is not a positive integer', () => {
    expect(() => planThreads({ budget: budget(2), clusterEnabled: true, workers: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('describePlan', () => {
  it('says workers, threads, slots and where the budget comes from', () => {
    const plan = planThreads({ budget: budget(2), clusterEnabled: true, workers: 'auto' });
    expect(describePlan(plan)).toBe(
      'Cluster plan: 2 workers × 1 pool thread + 1 inline image slot each, ' +
        'CPU budget 2 (cgroup v2 cpu.max "200000 100000" at /sys/fs/cgroup)',
    );
  });

  it('shows a fractional limit and a disabled cluster', () => {
    const plan = planThreads({ budget: budget(1, 1.5), clusterEnabled: false, workers: 'auto' });
    expect(describePlan(plan)).toBe(
      'Cluster disabled: 1 process with 1 pool thread + 1 inline image slot, ' +
        'CPU budget 1 (limit 1.5, cgroup v2 cpu.max "150000 100000" at /sys/fs/cgroup)',
    );
  });

  it('warns about oversubscription', () => {
    const plan = planThreads({
      budget: budget(2),
      clusterEnabled: true,
      workers: 2,
      poolThreads: 4,
    });
    expect(describePlan(plan)).toMatch(
      /^Cluster plan: 2 workers × 4 pool threads \+ 1 inline image slot each, .*; WARNING: 8 pool threads in all oversubscribe the CPU budget$/,
    );
  });
});
