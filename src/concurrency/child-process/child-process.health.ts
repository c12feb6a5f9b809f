import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ChildProcessRunner } from './child-process.runner';

/**
 * Terminus indicator for the runner. Never throws: every problem is a `down` with a reason.
 * Provide it beside terminus's `TerminusModule` (src/health does, when the app has a runner).
 */
@Injectable()
export class ChildProcessHealthIndicator {
  constructor(
    private readonly runner: ChildProcessRunner,
    private readonly health: HealthIndicatorService,
  ) {}

  /** Up while the runner takes commands; down (with the reason) while its queue is full or it is closing. */
  check(key = 'childProcess'): HealthIndicatorResult {
    const indicator = this.health.check(key);
    const stats = this.runner.stats();
    const summary = {
      running: stats.running.length,
      queued: stats.queued,
      maxConcurrency: stats.maxConcurrency,
      maxQueue: stats.maxQueue,
      timedOut: stats.timedOut,
      killed: stats.killed,
      spawnHelper: stats.spawner,
      processes: stats.running,
    };
    if (!stats.accepting) return indicator.down({ ...summary, reason: 'shutting down' });
    if (stats.maxQueue > 0 && stats.queued >= stats.maxQueue) {
      return indicator.down({ ...summary, reason: 'queue full' });
    }
    return indicator.up(summary);
  }
}
