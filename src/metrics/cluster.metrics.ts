import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { ClusterView } from '../concurrency/cluster';

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * One Prometheus scrape for the whole cluster, made in the primary: every app worker's
 * registry (its series carry `worker="<id>"`), merged with the primary's own. An app worker
 * that does not answer within the timeout does not fail the scrape: its series are missing
 * and `cluster_worker_scrape_up{worker}` is 0.
 */
export class ClusterMetrics {
  private readonly registry = new Registry();
  private readonly scrapeUp: Gauge<'worker'>;

  constructor(
    private readonly view: ClusterView,
    private readonly timeoutMs: number,
  ) {
    const registers = [this.registry];
    // Without a cluster the app's own registry already has this process's metrics.
    if (view.mode === 'cluster') {
      this.registry.setDefaultLabels({ worker: 'primary' });
      collectDefaultMetrics({ register: this.registry });
    }
    this.scrapeUp = new Gauge({
      name: 'cluster_worker_scrape_up',
      help: 'Whether the worker answered this scrape in time (1) or not (0)',
      labelNames: ['worker'],
      registers,
    });
    new Gauge({
      name: 'cluster_workers',
      help: 'Workers by state, as the supervisor sees them',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const state of ['starting', 'ready', 'draining'] as const) {
          this.set({ state }, view.workers().filter((w) => w.state === state).length);
        }
      },
    });
    new Gauge({
      name: 'cluster_worker_heartbeat_age_seconds',
      help: 'Time since the worker last sent a heartbeat',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        const now = Date.now();
        for (const w of view.workers()) {
          this.set({ worker: String(w.id) }, (now - w.lastHeartbeatAt) / 1000);
        }
      },
    });
    new Counter({
      name: 'cluster_worker_restarts_total',
      help: 'Workers restarted after an unexpected exit, by slot',
      labelNames: ['worker'],
      registers,
      collect() {
        this.reset();
        for (const slot of view.slotRestarts())
          this.inc({ worker: String(slot.id) }, slot.restarts);
      },
    });
  }

  async text(): Promise<string> {
    const answers = await this.view.scrape(this.timeoutMs);
    this.scrapeUp.reset();
    const workers: MetricsJson[] = [];
    for (const { id, metrics } of answers) {
      const ok = Array.isArray(metrics);
      this.scrapeUp.set({ worker: String(id) }, ok ? 1 : 0);
      if (ok) workers.push(metrics as MetricsJson);
    }
    const own = await this.registry.getMetricsAsJSON();
    // Every series already carries its own `worker` label, so merging only has to keep them
    // all. prom-client's per-metric aggregators would drop some (e.g. process_start_time's
    // 'omit'); summing a series with itself once is the identity.
    const all = [own, ...workers].map((metrics) =>
      metrics.map((m) => ({ ...m, aggregator: 'sum' as const })),
    );
    return AggregatorRegistry.aggregate(all).metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
