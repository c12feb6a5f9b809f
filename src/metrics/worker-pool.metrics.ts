import type { WorkerPool } from '../concurrency/worker-pool';
import { type CollectedMetrics, OUTCOMES, snake } from './collected';

/** The `worker_pool_*` series, read from {@link WorkerPool.stats} at scrape time. */
export function defineWorkerPoolMetrics(
  pool: WorkerPool,
  { gauge, total, timings }: CollectedMetrics,
): void {
  gauge('worker_pool_queue_depth', 'Tasks waiting for a thread or an in-process slot', (set) =>
    set(pool.stats().queueSize),
  );
  gauge(
    'worker_pool_threads',
    'Pool threads by state',
    (set) => {
      const { threads } = pool.stats();
      set(threads.filter((t) => t.alive).length, { state: 'alive' });
      set(threads.filter((t) => t.busy).length, { state: 'busy' });
    },
    ['state'],
  );
  gauge(
    'worker_pool_utilization_ratio',
    'Share of thread time spent running tasks since start',
    (set) => set(pool.stats().utilization),
  );
  timings(pool, {
    wait: ['worker_pool_task_wait_seconds', 'Time from submission to start'],
    run: ['worker_pool_task_run_seconds', 'Time from start to settlement'],
  });
  total(
    'worker_pool_tasks_total',
    'Tasks by outcome',
    (set) => {
      const stats = pool.stats();
      for (const outcome of OUTCOMES) set(stats[outcome], { outcome: snake(outcome) });
    },
    ['outcome'],
  );
  total(
    'worker_pool_thread_restarts_total',
    'Threads started to replace one that died or was stopped',
    (set) => set(pool.stats().threadRestarts),
  );
}
