import { Injectable } from '@nestjs/common';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import { ChildProcessRunner } from '../concurrency/child-process';
import { WorkerPool } from '../concurrency/worker-pool';

/**
 * This process's Prometheus metrics: Node's defaults (CPU, memory, GC, event loop lag),
 * HTTP request durations, and the pool and runner read from their stats at scrape time.
 * In a cluster worker every series carries `worker="<id>"`, and the primary merges the
 * workers' registries into one scrape.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(pool: WorkerPool, runner: ChildProcessRunner) {
    const worker = process.env.CLUSTER_WORKER_ID;
    if (worker) this.registry.setDefaultLabels({ worker });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];

    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });

    const gauge = (
      name: string,
      help: string,
      read: (set: Setter) => void,
      labelNames: string[] = [],
    ) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          read((value, labels) => this.set(labels ?? {}, value));
        },
      });
    const total = (
      name: string,
      help: string,
      read: (set: Setter) => void,
      labelNames: string[] = [],
    ) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          read((value, labels) => this.inc(labels ?? {}, value));
        },
      });

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
    gauge(
      'worker_pool_task_wait_seconds',
      'Time from submission to start (quantiles)',
      (set) => quantiles(set, pool.stats().waitTime),
      ['quantile'],
    );
    gauge(
      'worker_pool_task_run_seconds',
      'Time from start to settlement (quantiles)',
      (set) => quantiles(set, pool.stats().runTime),
      ['quantile'],
    );
    total(
      'worker_pool_tasks_total',
      'Tasks by outcome',
      (set) => {
        const stats = pool.stats();
        for (const outcome of ['completed', 'failed', 'timedOut', 'aborted', 'rejected'] as const) {
          set(stats[outcome], { outcome: snake(outcome) });
        }
      },
      ['outcome'],
    );
    total(
      'worker_pool_thread_restarts_total',
      'Threads started to replace one that died or was stopped',
      (set) => set(pool.stats().threadRestarts),
    );

    gauge('child_process_running', 'Commands running now', (set) =>
      set(runner.stats().running.length),
    );
    gauge('child_process_queued', 'Commands waiting for a slot', (set) =>
      set(runner.stats().queued),
    );
    gauge(
      'child_process_run_seconds',
      'Time from spawn until the process group was gone (quantiles)',
      (set) => quantiles(set, runner.stats().runTime),
      ['quantile'],
    );
    total(
      'child_process_runs_total',
      'Commands by outcome',
      (set) => {
        const stats = runner.stats();
        for (const outcome of ['completed', 'failed', 'timedOut', 'aborted', 'rejected'] as const) {
          set(stats[outcome], { outcome: snake(outcome) });
        }
      },
      ['outcome'],
    );
    total('child_process_killed_total', 'Runs whose process group had to be signalled', (set) =>
      set(runner.stats().killed),
    );
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

type Setter = (value: number, labels?: Record<string, string>) => void;

function quantiles(set: Setter, summary: { p50: number; p99: number }): void {
  set(summary.p50 / 1000, { quantile: '0.5' });
  set(summary.p99 / 1000, { quantile: '0.99' });
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
