import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Sets one sample of a metric read at scrape time. */
export type Setter = (value: number, labels?: Record<string, string>) => void;

/** Defines the metrics of a stats source (the pool, the runner) on `registry`. */
export interface CollectedMetrics {
  /** A gauge whose samples `read` sets at every scrape. */
  gauge: (name: string, help: string, read: (set: Setter) => void, labelNames?: string[]) => void;
  /** A counter whose totals `read` sets at every scrape (the source keeps the running totals). */
  total: (name: string, help: string, read: (set: Setter) => void, labelNames?: string[]) => void;
  /** Histograms of a source's wait and run times, observed as they happen. */
  timings: (source: TimingSource, names: Record<'wait' | 'run', [string, string]>) => void;
  /** Stops observing the sources (the app is closing). */
  close: () => void;
}

/** What the pool and the runner offer: each wait and run time, in ms, as it happens. */
export interface TimingSource {
  observeTimings(listener: (kind: 'wait' | 'run', ms: number) => void): () => void;
}

/** Seconds; from a millisecond thread hop to a command near its 30 s default deadline. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Metrics read from a `stats()` picture when Prometheus scrapes, rather than updated on every
 * event: the pool and the runner keep their own counts, and nothing is paid between scrapes.
 * Latencies are the exception: a histogram needs every observation (one `observe` per task),
 * and its buckets, unlike percentiles over the whole uptime, aggregate and rate.
 */
export function collectedMetrics(registry: Registry): CollectedMetrics {
  const registers = [registry];
  const unsubscribes: (() => void)[] = [];
  return {
    timings: (source, names) => {
      const histograms = {
        wait: new Histogram({
          name: names.wait[0],
          help: names.wait[1],
          buckets: LATENCY_BUCKETS,
          registers,
        }),
        run: new Histogram({
          name: names.run[0],
          help: names.run[1],
          buckets: LATENCY_BUCKETS,
          registers,
        }),
      };
      unsubscribes.push(source.observeTimings((kind, ms) => histograms[kind].observe(ms / 1000)));
    },
    close: () => unsubscribes.splice(0).forEach((unsubscribe) => unsubscribe()),
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

/** `timedOut` → `timed_out`, for label values. */
export function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
