import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import type { SerializedRequest, SerializedResponse } from 'pino';
import { AppLogger } from './app-logger';
import { processLogger } from './process-logger';
import { assignRequestId } from './request-id';

type Request = IncomingMessage & { originalUrl?: string };

/** Probes are polled every few seconds by every load balancer: their lines are debug. */
function isProbe(request: Request): boolean {
  const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
  return path === '/health' || path.startsWith('/health/');
}

/** The path without its query string: a query may carry what does not belong in logs. */
function pathOf(request: Request): string {
  return (request.originalUrl ?? request.url ?? '').split('?')[0];
}

/** `GET /pdf/report 200 35 ms`: readable in pretty output, greppable in JSON. */
function accessLine(request: Request, response: ServerResponse, ms?: number): string {
  // The client went away before the response ended: the status was never sent.
  const status = response.writableEnded ? String(response.statusCode) : 'aborted';
  const line = `${request.method} ${pathOf(request)} ${status}`;
  return ms === undefined ? line : `${line} ${ms} ms`;
}

/**
 * pino-http on every route: the request id (`reqId`, also in `X-Request-Id`) on every line
 * logged while the request runs, through Nest's `Logger` too (nestjs-pino keeps the request's
 * logger in AsyncLocalStorage), and one access line when the response ends.
 */
export function httpLoggingOptions(): Options<Request, ServerResponse> {
  return {
    logger: processLogger(),
    genReqId: assignRequestId,
    // Request-scoped lines carry `reqId` alone; the access line adds `req` and `res`.
    quietReqLogger: true,
    customLogLevel: (request, response, error) => {
      if (isProbe(request)) return 'debug';
      if (!response.writableEnded) return 'warn'; // aborted by the client
      // 503 is back-pressure (queue full, shutting down): expected under load, not a fault.
      if (response.statusCode === 503) return 'warn';
      return error || response.statusCode >= 500 ? 'error' : 'info';
    },
    customSuccessMessage: accessLine,
    // (its types pass no response time here; the line's `responseTime` field has it)
    customErrorMessage: (request, response) => accessLine(request, response),
    // For a 5xx without an error of its own, pino-http makes one up ("failed with status
    // code 500"): a stack that says nothing. The real error is logged where it was handled.
    customErrorObject: (_request, response, error, fields: Record<string, unknown>) => {
      if (error.message !== `failed with status code ${response.statusCode}`) return fields;
      const rest = { ...fields };
      delete rest.err;
      return rest;
    },
    // pino-http hands these pino's standard shapes; headers stay out (credentials, cookies).
    serializers: {
      req: ({ method, url, remoteAddress }: SerializedRequest) => ({
        method,
        url: url.split('?')[0],
        remoteAddress,
      }),
      res: ({ statusCode }: SerializedResponse) => ({ statusCode }),
    },
  };
}

/**
 * Structured logs for the app: Nest's own lines, `new Logger(…)` in services, and the access
 * log all go through the process logger (JSON with `pid` and `worker`, or pretty).
 */
@Module({
  imports: [LoggerModule.forRootAsync({ useFactory: () => ({ pinoHttp: httpLoggingOptions() }) })],
  providers: [AppLogger],
  exports: [AppLogger],
})
export class LoggingModule {}
