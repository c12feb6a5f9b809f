import { Counter, Histogram, type Registry } from 'prom-client';
import type { JobsMonitor } from '../jobs';
import type { CollectedMetrics } from './collected';

/** Seconds; from a short render to a long report that waited behind a backlog. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * The `jobs_*` series: the queue's jobs by state (all instances, read from Redis every
 * second), this process's running jobs and finished runs by type, and the run and
 * queue-wait histograms by type, observed as each run ends.
 */
export function defineJobsMetrics(
  jobs: JobsMonitor,
  registry: Registry,
  { gauge }: CollectedMetrics,
): () => void {
  gauge('jobs_redis_up', 'Whether the job queue reaches Redis (REDIS_URL), 1 or 0', (set) =>
    set(jobs.redisUp() ? 1 : 0),
  );
  gauge(
    'jobs_queue_jobs',
    'Jobs in the queue by state, all instances (last read from Redis)',
    (set) => {
      const counts = jobs.queueCounts();
      if (counts) for (const state of STATES) set(counts[state], { state });
    },
    ['state'],
  );
  gauge(
    'jobs_running',
    'Jobs this process runs now, by type',
    (set) => {
      for (const [type, count] of Object.entries(jobs.running())) set(count, { type });
    },
    ['type'],
  );
  const registers = [registry];
  const runs = new Counter({
    name: 'jobs_runs_total',
    help: 'Runs of jobs in this process by type and outcome (returned: to the queue at shutdown)',
    labelNames: ['type', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'jobs_duration_seconds',
    help: 'Time a job ran in this process, by type',
    labelNames: ['type'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const wait = new Histogram({
    name: 'jobs_queue_wait_seconds',
    help: 'Time from enqueue (or retry due) to the start of a run, by type',
    labelNames: ['type'],
    buckets: JOB_BUCKETS,
    registers,
  });
  return jobs.observe(({ type, outcome, waitMs, runMs }) => {
    runs.inc({ type, outcome });
    duration.observe({ type }, runMs / 1000);
    wait.observe({ type }, waitMs / 1000);
  });
}
