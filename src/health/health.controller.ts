import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthSnapshotService } from './health-snapshot.service';

/**
 * Probes of this one process on the app port (the probe port, HEALTH_PORT, serves the whole
 * cluster). Liveness depends on nothing but this event loop answering; readiness also needs
 * the process not to be shutting down, its event loop not saturated, and the worker pool
 * and the child process runner, those of the two the app has, to take work.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly snapshot: HealthSnapshotService,
  ) {}

  @Get('live')
  @HealthCheck() // with @nestjs/swagger installed, documents the 200 and 503 bodies too
  @ApiOperation({
    operationId: 'live',
    summary: 'Liveness of this process: its event loop answers',
  })
  live() {
    // terminus's answer for one check that cannot fail, built directly: probes are polled
    // every few seconds by every balancer, and this route is the one a trivial request costs.
    const info = {
      process: { status: 'up', pid: process.pid, uptimeSeconds: Math.round(process.uptime()) },
    };
    return { status: 'ok', info, error: {}, details: info };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'ready',
    summary:
      'Readiness of this process: not shutting down, not saturated, pool and runner taking work',
  })
  ready() {
    return this.health.check(this.snapshot.readinessChecks().map((result) => () => result));
  }
}
