import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Level, Logger } from 'pino';
import { REQUEST_ID_HEADER } from './request-id';
import { requestContext } from './request-context';

/** Probes are polled every few seconds by every load balancer: their lines are debug. */
function isProbe(path: string): boolean {
  return path === '/health' || path.startsWith('/health/');
}

/** The path without its query string: a query may carry what does not belong in logs. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function levelOf(path: string, status: number | undefined): Level {
  if (isProbe(path)) return 'debug';
  if (status === undefined) return 'warn'; // aborted by the client
  // 503 is back-pressure (queue full, shutting down): expected under load, not a fault.
  // Client errors (4xx) are the client's: info, never with a stack.
  if (status === 503) return 'warn';
  return status >= 500 ? 'error' : 'info';
}

const logged = Symbol('access line written');

/**
 * One access line per request, when its response ends or its client goes away first:
 * `GET /pdf/report 200 35 ms` with `reqId`, `req` (method, path, remote address), `res`
 * (status) and `responseTime`. Nothing is built for a line whose level is off (probes, at
 * the default level), and headers stay out (credentials, cookies).
 */
function accessLine(request: FastifyRequest, status: number | undefined, ms?: number): void {
  const marked = request as FastifyRequest & { [logged]?: true };
  if (marked[logged]) return;
  marked[logged] = true;
  const raw = request.raw;
  const path = pathOf(raw.url ?? '/');
  const level = levelOf(path, status);
  const logger = request.log as unknown as Logger;
  if (!logger.isLevelEnabled(level)) return;
  const req = { method: raw.method, url: path, remoteAddress: raw.socket?.remoteAddress };
  if (status === undefined) {
    logger[level]({ req }, `${raw.method} ${path} aborted`);
    return;
  }
  const responseTime = Math.round(ms ?? 0);
  logger[level](
    { req, res: { statusCode: status }, responseTime },
    `${raw.method} ${path} ${status} ${responseTime} ms`,
  );
}

/**
 * The request side of logging, as Fastify hooks on the app's instance: the request id is
 * echoed in `X-Request-Id`, the request's logger is what Nest's `Logger` writes through
 * while the request runs (AppLogger), and each request gets its access line.
 */
export function installRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    // HTTP/1.1 requires Host (RFC 9112, 3.2). Node's own check answers 400 with no body, so
    // it is off (http-adapter.ts) and the refusal is made here, as JSON with a request id.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      reply.header('Connection', 'close');
      void reply.code(400).send({
        statusCode: 400,
        error: 'Bad Request',
        message: 'An HTTP/1.1 request must have a Host header',
      });
      return;
    }
    // Read now: once the socket has closed it no longer says (Node caches it per socket).
    void request.raw.socket?.remoteAddress;
    requestContext.run(request.log, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    accessLine(request, reply.statusCode, reply.elapsedTime);
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    accessLine(request, undefined);
    done();
  });
}
