import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthSnapshotService } from './health-snapshot.service';

/**
 * Probes of this one process on the app port (the probe port, HEALTH_PORT, serves the whole
 * cluster). Liveness depends on nothing but this event loop answering; readiness also needs
 * the process not to be shutting down, its event loop not saturated, and the worker pool
 * and the child process runner to take work.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly snapshot: HealthSnapshotService,
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
    return this.health.check(this.snapshot.readinessChecks().map((result) => () => result));
  }
}
