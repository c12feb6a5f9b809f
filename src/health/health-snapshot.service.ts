import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ChildProcessHealthIndicator, ChildProcessRunner } from '../concurrency/child-process';
import { WorkerPool, WorkerPoolHealthIndicator } from '../concurrency/worker-pool';
import { JobsMonitor } from '../jobs/jobs.monitor';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
import { MemoryHealthIndicator } from './indicators/memory.health';
import { ShutdownState } from './shutdown-state';
import { type AppSnapshot, type IndicatorDetail, toReport } from './snapshot';

/**
 * This process's health as data: what the probe server serves, here or (in a cluster) in
 * the primary, which receives it with every heartbeat. Building it never throws.
 *
 * The worker pool and the child process runner are optional (see `concurrencyIndicators`):
 * without one, readiness has no check for it and the snapshot no stats of it.
 */
@Injectable()
export class HealthSnapshotService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly eventLoop: EventLoopHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    @Inject(WorkerPoolHealthIndicator)
    private readonly workerPoolHealth: WorkerPoolHealthIndicator | null,
    @Inject(ChildProcessHealthIndicator)
    private readonly childProcessHealth: ChildProcessHealthIndicator | null,
    @Optional() private readonly workerPool?: WorkerPool,
    @Optional() private readonly childProcess?: ChildProcessRunner,
    @Optional() private readonly jobs?: JobsMonitor,
  ) {}

  /** Readiness of this process alone, in terminus's indicator results. */
  readinessChecks(): Record<string, IndicatorDetail>[] {
    const lifecycle = this.indicators.check('lifecycle');
    const results = [
      this.shutdown.shuttingDown ? lifecycle.down({ reason: 'shutting down' }) : lifecycle.up(),
      this.eventLoop.check('eventLoop'),
      ...(this.workerPoolHealth ? [this.workerPoolHealth.check('workerPool')] : []),
      ...(this.childProcessHealth ? [this.childProcessHealth.check('childProcess')] : []),
    ];
    return results as Record<string, IndicatorDetail>[];
  }

  /** The whole picture of this process, sent to the supervisor with every heartbeat. */
  snapshot(): AppSnapshot {
    return {
      pid: process.pid,
      takenAt: Date.now(),
      uptimeMs: Math.round(process.uptime() * 1000),
      readiness: toReport(this.readinessChecks()),
      eventLoop: this.eventLoop.sample(),
      memory: this.memory.sample(),
      ...(this.workerPool && { workerPool: this.workerPool.stats() }),
      ...(this.childProcess && { childProcess: this.childProcess.stats() }),
      // Shown, not part of readiness: a Redis outage must not take the pod out of service.
      ...(this.jobs && { jobs: this.jobs.snapshot() }),
    };
  }
}
