import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ChildProcessHealthIndicator } from '../concurrency/child-process';
import { WorkerPoolHealthIndicator } from '../concurrency/worker-pool';

/**
 * Probes on the app port. Liveness depends on nothing but this event loop answering;
 * readiness also needs the worker pool and the child process runner to take work.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly workerPool: WorkerPoolHealthIndicator,
    private readonly childProcess: ChildProcessHealthIndicator,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () =>
        this.indicators
          .check('process')
          .up({ pid: process.pid, uptimeSeconds: Math.round(process.uptime()) }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.workerPool.check('workerPool'),
      () => this.childProcess.check('childProcess'),
    ]);
  }
}
