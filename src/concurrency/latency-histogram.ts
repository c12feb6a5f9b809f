import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Millisecond latencies kept in a native HDR histogram (recorded as microseconds). */
export class LatencyHistogram {
  private readonly histogram: RecordableHistogram = createHistogram();

  record(ms: number): void {
    this.histogram.record(Math.max(1, Math.round(ms * 1000)));
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
