import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { WorkerPool } from './worker-pool.service';

/**
 * Terminus indicator for the pool. Never throws: every problem is a `down` with a reason.
 * Provide it beside terminus's `TerminusModule` (src/health does, when the app has a pool).
 */
@Injectable()
export class WorkerPoolHealthIndicator {
  constructor(
    private readonly pool: WorkerPool,
    private readonly health: HealthIndicatorService,
  ) {}

  /** Up while the pool takes work; down (with the reason) while not started, full or closing. */
  check(key = 'workerPool'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const stats = this.pool.stats();
    const summary = {
      threads: stats.threads.length,
      aliveThreads: stats.threads.filter((t) => t.alive).length,
      busyThreads: stats.threads.filter((t) => t.busy).length,
      queueSize: stats.queueSize,
      maxQueue: stats.maxQueue,
      threadRestarts: stats.threadRestarts,
      waitP99Ms: stats.waitTime.p99,
      runP99Ms: stats.runTime.p99,
      threadDetails: stats.threads,
    };
    if (!stats.accepting) return indicator.down({ ...summary, reason: 'shutting down' });
    if (!this.pool.isReady()) return indicator.down({ ...summary, reason: 'not started' });
    if (stats.maxQueue > 0 && stats.queueSize >= stats.maxQueue) {
      return indicator.down({ ...summary, reason: 'queue full' });
    }
    return indicator.up(summary);
  }
}
