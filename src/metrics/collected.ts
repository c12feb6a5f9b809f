import { Counter, Gauge, type Registry } from 'prom-client';

/** Sets one sample of a metric read at scrape time. */
export type Setter = (value: number, labels?: Record<string, string>) => void;

/** Defines the metrics of a stats source (the pool, the runner) on `registry`. */
export interface CollectedMetrics {
  /** A gauge whose samples `read` sets at every scrape. */
  gauge: (name: string, help: string, read: (set: Setter) => void, labelNames?: string[]) => void;
  /** A counter whose totals `read` sets at every scrape (the source keeps the running totals). */
  total: (name: string, help: string, read: (set: Setter) => void, labelNames?: string[]) => void;
}

/**
 * Metrics read from a `stats()` picture when Prometheus scrapes, rather than updated on every
 * event: the pool and the runner keep their own counts, and nothing is paid between scrapes.
 */
export function collectedMetrics(registry: Registry): CollectedMetrics {
  const registers = [registry];
  return {
    gauge: (name, help, read, labelNames = []) => {
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
    },
    total: (name, help, read, labelNames = []) => {
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
    },
  };
}

/** The outcomes the pool and the runner both count (`rejected`: refused at admission). */
export const OUTCOMES = ['completed', 'failed', 'timedOut', 'aborted', 'rejected'] as const;

/** Sets the p50 and p99 of a latency summary (in ms) as seconds, labelled by quantile. */
export function quantiles(set: Setter, summary: { p50: number; p99: number }): void {
  set(summary.p50 / 1000, { quantile: '0.5' });
  set(summary.p99 / 1000, { quantile: '0.99' });
}

/** `timedOut` → `timed_out`, for label values. */
export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
