import { Global, Module } from '@nestjs/common';
import { BodyRateGuard } from './body-rate-guard';
import { DeadlineGuard } from './deadline-guard';
import { RouteDeadlines } from './route-deadlines';

/**
 * Every route's deadline and the guard that keeps it (global: workloads register theirs),
 * and the minimum rate of request bodies.
 */
@Global()
@Module({
  providers: [RouteDeadlines, DeadlineGuard, BodyRateGuard],
  exports: [RouteDeadlines],
})
export class DeadlinesModule {}
