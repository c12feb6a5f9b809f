import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Counter } from 'prom-client';
import { appConfig, type AppConfig } from '../../../config';
import { MetricsService } from '../../../metrics/metrics.service';
import { RouteDeadlines } from './route-deadlines';

/** Past its deadline, a request gets this long for the work's own timeout to answer first. */
export const DEADLINE_GRACE_MS = 1_000;
// setTimeout fires at once for delays past 2^31 - 1 ms.
const MAX_DEADLINE_MS = 2 ** 31 - 1 - DEADLINE_GRACE_MS;

/**
 * The guarantee behind every route's deadline: a request still unanswered at its deadline
 * plus a grace gets a 504 JSON answer (or, once a streamed body has begun, its response is
 * cut so the client sees it is incomplete), an `error` log line with its request id and
 * route, and a count in `http_requests_unanswered_total{route}`. The connection is closed
 * after it, which also fires the request's client-gone signal, so its work is cancelled.
 *
 * It should never fire: the pool, the runner and the routes answer at their own deadlines.
 * It sits on the Node HTTP server itself, below the framework, so no route can escape it.
 */
@Injectable()
export class DeadlineGuard implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadlineGuard');
  private readonly unanswered?: Counter<'route'>;
  private server?: Server;
  private readonly onRequest = (request: IncomingMessage, response: ServerResponse) =>
    this.watch(request, response);

  constructor(
    private readonly deadlines: RouteDeadlines,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(appConfig.KEY) config: AppConfig,
    @Optional() metrics?: MetricsService,
  ) {
    deadlines.defaultMs = config.requestDeadlineMs;
    this.unanswered = metrics?.httpUnanswered;
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.prependListener('request', this.onRequest);
  }

  onApplicationShutdown(): void {
    this.server?.removeListener('request', this.onRequest);
  }

  private watch(request: IncomingMessage, response: ServerResponse): void {
    // A streamed reply gets seven 'close' listeners from Fastify and Nest alone; with the
    // drain's, this guard's and the request signal's it passes Node's leak warning at 10,
    // though each is per request and goes with it. A real leak would still pass 20.
    response.setMaxListeners(20);
    const path = (request.url ?? '/').split('?', 1)[0];
    const { route, ms } = this.deadlines.of(request.method ?? 'GET', path);
    if (!(ms > 0 && ms < MAX_DEADLINE_MS)) return; // a command with no deadline (timeoutMs 0)
    const timer = setTimeout(() => this.fire(response, route, ms), ms + DEADLINE_GRACE_MS);
    timer.unref();
    response.once('close', () => clearTimeout(timer));
  }

  private fire(response: ServerResponse, route: string, ms: number): void {
    if (response.writableEnded || response.destroyed) return;
    const requestId = response.getHeader('x-request-id');
    this.unanswered?.inc({ route });
    this.logger.error({ requestId, route, deadlineMs: ms }, 'Request unanswered at its deadline');
    if (response.headersSent) {
      response.destroy(); // a body was streaming: cut it, the client sees it incomplete
      return;
    }
    const body = JSON.stringify({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: `No answer within the route's deadline of ${ms} ms`,
    });
    response.writeHead(504, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    });
    response.end(body, () => response.socket?.destroy());
  }
}
