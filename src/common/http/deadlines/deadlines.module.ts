import { Global, Module } from '@nestjs/common';
import { DeadlineGuard } from './deadline-guard';
import { RouteDeadlines } from './route-deadlines';

/** Every route's deadline, and the guard that keeps it (global: workloads register theirs). */
@Global()
@Module({
  providers: [RouteDeadlines, DeadlineGuard],
  exports: [RouteDeadlines],
})
export class DeadlinesModule {}
