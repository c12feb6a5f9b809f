import { Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import { ChildProcessRunner } from '../concurrency/child-process';
import { WorkerPool } from '../concurrency/worker-pool';
import { JobsMonitor } from '../jobs/jobs.monitor';
import { defineChildProcessMetrics } from './child-process.metrics';
import { type CollectedMetrics, collectedMetrics } from './collected';
import { defineJobsMetrics } from './jobs.metrics';
import { defineWorkerPoolMetrics } from './worker-pool.metrics';

/**
 * This process's Prometheus metrics: Node's defaults (CPU, memory, GC, event loop lag),
 * HTTP request durations, and the pool and runner read from their stats at scrape time.
 * In an app worker every series carries `worker="<id>"`, and the primary merges the app
 * workers' registries into one scrape.
 *
 * The pool and the runner are optional: an app without `WorkerPoolModule` has no
 * `worker_pool_*` series, one without `ChildProcessModule` no `child_process_*` series.
 * Both modules are global by default, which is how this service sees them; so is the job
 * queue's monitor (`jobs_*` series, with or without REDIS_URL).
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Requests the deadline guard answered (src/common/http/deadlines). */
  readonly httpUnanswered: Counter<'route'>;
  private readonly collected: CollectedMetrics;
  private readonly unobserveJobs?: () => void;

  constructor(
    @Optional() pool?: WorkerPool,
    @Optional() runner?: ChildProcessRunner,
    @Optional() jobs?: JobsMonitor,
  ) {
    const worker = process.env.CLUSTER_WORKER_ID;
    if (worker) this.registry.setDefaultLabels({ worker });
    collectDefaultMetrics({ register: this.registry });

    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.httpUnanswered = new Counter({
      name: 'http_requests_unanswered_total',
      help: 'Requests answered by the deadline guard: nothing else answered them in time',
      labelNames: ['route'],
      registers: [this.registry],
    });

    this.collected = collectedMetrics(this.registry);
    if (pool) defineWorkerPoolMetrics(pool, this.collected);
    if (runner) defineChildProcessMetrics(runner, this.collected);
    if (jobs) this.unobserveJobs = defineJobsMetrics(jobs, this.registry, this.collected);
  }

  onModuleDestroy(): void {
    this.collected.close();
    this.unobserveJobs?.();
  }

  /** Prometheus text, for a probe server in this process. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The metrics as data, for the cluster primary to merge. */
  json(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return this.registry.getMetricsAsJSON();
  }
}
