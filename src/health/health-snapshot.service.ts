import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ChildProcessHealthIndicator, ChildProcessRunner } from '../concurrency/child-process';
import { WorkerPool, WorkerPoolHealthIndicator } from '../concurrency/worker-pool';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
import { MemoryHealthIndicator } from './indicators/memory.health';
import { ShutdownState } from './shutdown-state';
import { type AppSnapshot, type IndicatorDetail, toReport } from './snapshot';

/**
 * This process's health as data: what the probe server serves, here or (in a cluster) in
 * the primary, which receives it with every heartbeat. Building it never throws.
 */
@Injectable()
export class HealthSnapshotService {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly eventLoop: EventLoopHealthIndicator,
    private readonly memory: MemoryHealthIndicator,
    private readonly workerPoolHealth: WorkerPoolHealthIndicator,
    private readonly childProcessHealth: ChildProcessHealthIndicator,
    private readonly workerPool: WorkerPool,
    private readonly childProcess: ChildProcessRunner,
  ) {}

  /** Readiness of this process alone, in terminus's indicator results. */
  readinessChecks(): Record<string, IndicatorDetail>[] {
    const lifecycle = this.indicators.check('lifecycle');
    const results = [
      this.shutdown.shuttingDown ? lifecycle.down({ reason: 'shutting down' }) : lifecycle.up(),
      this.eventLoop.check('eventLoop'),
      this.workerPoolHealth.check('workerPool'),
      this.childProcessHealth.check('childProcess'),
    ];
    return results as Record<string, IndicatorDetail>[];
  }

  snapshot(): AppSnapshot {
    return {
      pid: process.pid,
      takenAt: Date.now(),
      uptimeMs: Math.round(process.uptime() * 1000),
      readiness: toReport(this.readinessChecks()),
      eventLoop: this.eventLoop.sample(),
      memory: this.memory.sample(),
      workerPool: this.workerPool.stats(),
      childProcess: this.childProcess.stats(),
    };
  }
}
