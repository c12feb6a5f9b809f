import type { AppWorker } from './app-worker';
import type { SupervisorClock } from './clock';

/** One worker's answer to a scrape: its metrics, or none if it did not answer in time. */
export interface ScrapedMetrics {
  id: number;
  metrics?: unknown;
}

/**
 * The primary's side of a metrics scrape: asks app workers over IPC and matches their
 * answers to the questions by id.
 */
export class MetricsScrape {
  private readonly waiting = new Map<number, (metrics?: unknown) => void>();
  private lastId = 0;

  constructor(private readonly clock: SupervisorClock) {}

  /** Asks each worker; one silent past `timeoutMs` (or whose channel is gone) gets none. */
  ask(workers: AppWorker[], timeoutMs: number): Promise<ScrapedMetrics[]> {
    return Promise.all(workers.map((worker) => this.askOne(worker, timeoutMs)));
  }

  /** A worker's answer to question `id`; a late one is dropped. */
  answer(id: number, metrics: unknown): void {
    this.waiting.get(id)?.(metrics);
  }

  private askOne(worker: AppWorker, timeoutMs: number): Promise<ScrapedMetrics> {
    return new Promise((resolve) => {
      const id = ++this.lastId;
      const done = (metrics?: unknown) => {
        this.clock.clearTimeout(timer);
        this.waiting.delete(id);
        resolve({ id: worker.slot.id, metrics });
      };
      const timer = this.clock.setTimeout(done, timeoutMs);
      this.waiting.set(id, done);
      worker.send({ cluster: 'metrics-request', id }, () => done());
    });
  }
}
