import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthSnapshotService } from './health-snapshot.service';
import { concurrencyIndicators } from './indicators/concurrency.health';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
import { MemoryHealthIndicator } from './indicators/memory.health';
import { ShutdownState } from './shutdown-state';

/**
 * `/health/live` and `/health/ready` on the app port, and the snapshot the probe port serves.
 * Adapts to the concurrency modules present: the worker pool and child process checks (and
 * their stats in the snapshot) are there when the app imports `WorkerPoolModule` or
 * `ChildProcessModule`, and left out when it does not.
 */
@Module({
  imports: [
    // A failing check is in the 503's body, and the access line is logged at debug for
    // probes: terminus's own error line (per probe, with ANSI colours) would only add noise.
    TerminusModule.forRoot({ logger: false, gracefulShutdownTimeoutMs: 0 }),
  ],
  controllers: [HealthController],
  providers: [
    ...concurrencyIndicators,
    EventLoopHealthIndicator,
    MemoryHealthIndicator,
    ShutdownState,
    HealthSnapshotService,
  ],
  exports: [ShutdownState, HealthSnapshotService],
})
export class HealthModule {}
