import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ChildProcessHealthIndicator } from '../concurrency/child-process';
import { WorkerPoolHealthIndicator } from '../concurrency/worker-pool';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [WorkerPoolHealthIndicator, ChildProcessHealthIndicator, ShutdownState],
  exports: [ShutdownState],
})
export class HealthModule {}
