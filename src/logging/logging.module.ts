import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { installRequestLogging } from './access-log';
import { AppLogger } from './app-logger';

/**
 * Structured logs for the app: Nest's own lines, `new Logger(…)` in services, and the access
 * log all go through the process logger (JSON with `pid` and `worker`, or pretty), which is
 * also Fastify's logger (see `createHttpAdapter()`): one logger, one destination, one format.
 * Every line logged while a request runs carries its `reqId`.
 */
@Module({ providers: [AppLogger], exports: [AppLogger] })
export class LoggingModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Before the server is ready: Fastify gives hooks added until then to every route. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as
      { getType(): string; getInstance(): unknown } | undefined;
    if (adapter?.getType() === 'fastify') {
      installRequestLogging(adapter.getInstance() as FastifyInstance);
    }
  }
}
