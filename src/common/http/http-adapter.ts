import { FastifyAdapter } from '@nestjs/platform-fastify';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { type HttpConfig, readHttpConfig } from '../../config/http.config';
import { answerUnmetExpectation, handleClientError } from './client-errors';
import { capMessage } from './messages';
import { processLogger, requestIdOf, requestLoggerFactory } from '../../logging';

/**
 * The app's HTTP layer: Fastify through NestJS's own adapter, with the process logger as
 * Fastify's logger (request ids from `X-Request-Id` or a fresh UUID, a request's logger bound
 * only when it writes, access lines written by LoggingModule's hooks) and Fastify's own
 * timeouts. Routes match case-insensitively and with or without a trailing slash, as they
 * did on Express.
 */
export function createHttpAdapter(config: HttpConfig = readHttpConfig()): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: processLogger(),
    // Fastify's per-request lines are off: LoggingModule writes one access line per request.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    // A URL the router cannot decode fails before any hook: answer it like every other 400.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .header('X-Request-Id', request.id)
        .header('Connection', 'close')
        .code(400)
        .send({ statusCode: 400, error: 'Bad Request', message: capMessage(error.message) });
    },
    // Bytes that never became a request: JSON naming the problem, never in front of an answer.
    clientErrorHandler: handleClientError,
    childLoggerFactory: requestLoggerFactory as never,
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // How often Node checks the two timeouts above (its default is 30 s).
      connectionsCheckingInterval: 1_000,
      // Checked by the request hook instead, which answers JSON (see access-log.ts).
      requireHostHeader: false,
    },
    // Only the routes that declare a body (RouteBody) read one; the rest is refused early.
    bodyLimit: 64 * 1024,
    // maxParamLength: a long `:name` must reach its route (404 naming it, cut short), not
    // Fastify's 414 without a request id. The URL itself is bounded by Node's header limit.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16_384 },
  });
  adapter.getInstance().server.on('checkExpectation', answerUnmetExpectation);
  return adapter;
}
