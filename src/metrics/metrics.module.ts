import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { installHttpMetrics } from './http-metrics.hooks';
import { MetricsService } from './metrics.service';

@Global()
@Module({
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Before the server is ready: Fastify gives hooks added until then to every route. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as
      { getType(): string; getInstance(): unknown } | undefined;
    if (adapter?.getType() === 'fastify') {
      installHttpMetrics(adapter.getInstance() as FastifyInstance, this.metrics.httpDuration);
    }
  }
}
