import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Called with every latency recorded, in ms (e.g. to feed a Prometheus histogram). */
export type LatencyListener = (ms: number) => void;

/** Millisecond latencies kept in a native HDR histogram (recorded as microseconds). */
export class LatencyHistogram {
  private readonly histogram: RecordableHistogram = createHistogram();
  private readonly listeners = new Set<LatencyListener>();

  record(ms: number): void {
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
    for (const listener of this.listeners) listener(ms);
  }

  /** Calls `listener` with each latency recorded from now on; returns the unsubscribe. */
  subscribe(listener: LatencyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (us: number) => (h.count === 0 ? 0 : Math.round(us) / 1000);
    return {
      count: h.count,
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
    };
  }
}

/** Which of a source's two latencies a timing is. */
export type TimingKind = 'wait' | 'run';

/** Subscribes `listener` to a source's wait and run histograms; returns the unsubscribe. */
export function observeTimings(
  histograms: Record<TimingKind, LatencyHistogram>,
  listener: (kind: TimingKind, ms: number) => void,
): () => void {
  const unsubscribes = (['wait', 'run'] as const).map((kind) =>
    histograms[kind].subscribe((ms) => listener(kind, ms)),
  );
  return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
}
