import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ChildProcessHealthIndicator } from '../concurrency/child-process';
import { WorkerPoolHealthIndicator } from '../concurrency/worker-pool';
import { HealthController } from './health.controller';
import { HealthSnapshotService } from './health-snapshot.service';
import { EventLoopHealthIndicator } from './indicators/event-loop.health';
import { MemoryHealthIndicator } from './indicators/memory.health';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [
    WorkerPoolHealthIndicator,
    ChildProcessHealthIndicator,
    EventLoopHealthIndicator,
    MemoryHealthIndicator,
    ShutdownState,
    HealthSnapshotService,
  ],
  exports: [ShutdownState, HealthSnapshotService],
})
export class HealthModule {}
