import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ChildProcessHealthIndicator } from '../concurrency/child-process';
import { WorkerPoolHealthIndicator } from '../concurrency/worker-pool';
import { ShutdownState } from './shutdown-state';

/**
 * Probes on the app port. Liveness depends on nothing but this event loop answering;
 * readiness also needs the process not to be shutting down, and the worker pool and the
 * child process runner to take work.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly workerPool: WorkerPoolHealthIndicator,
    private readonly childProcess: ChildProcessHealthIndicator,
    private readonly shutdown: ShutdownState,
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
      () => {
        const lifecycle = this.indicators.check('lifecycle');
        return this.shutdown.shuttingDown
          ? lifecycle.down({ reason: 'shutting down' })
          : lifecycle.up();
      },
      () => this.workerPool.check('workerPool'),
      () => this.childProcess.check('childProcess'),
    ]);
  }
}
