import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import secureJson from 'secure-json-parse';
import { capMessage } from './messages';
import { bodyTooLarge, declaredOver, drainUnread, isClosingAfterBody } from './body-limits';
import { readRawBody } from './read-body';
import { ROUTE_BODY, type RouteBodyOptions } from './route-body';

/** `__proto__` and `constructor.prototype` keys are refused, as Fastify's JSON parser does. */
const PROTO_POISONING = { protoAction: 'error', constructorAction: 'error' } as const;

type ConfigLookup = (path: string) => unknown;

function mediaTypeOf(request: IncomingMessage): string {
  const header = request.headers['content-type'] ?? '';
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

function accepts(accept: readonly string[] | undefined, type: string): boolean {
  if (!accept) return true;
  return accept.some((pattern) =>
    pattern.endsWith('/*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}

function bodyOf(request: FastifyRequest): { body?: RouteBodyOptions; limit: number } {
  const { config, bodyLimit } = request.routeOptions;
  return { body: (config as { [ROUTE_BODY]?: RouteBodyOptions })[ROUTE_BODY], limit: bodyLimit };
}

/** Content-Encoding other than identity: the body would have to be decoded, which no route does. */
function encoded(request: IncomingMessage): string | undefined {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  return encoding && encoding !== 'identity' ? encoding : undefined;
}

/**
 * The app's content-type parsers, one set for every route, each doing what the route
 * declared with `@RouteBody` (its kind and limit, which becomes the route's Fastify
 * `bodyLimit`): JSON parsed within the limit, a buffer read within it, or a stream checked and
 * left for the route. Register before the routes (`configureApp()`), after @fastify/multipart
 * (whose parser marks `multipart/form-data` requests for `request.parts()`).
 */
export function registerBodyParsing(fastify: FastifyInstance, config: ConfigLookup): void {
  fastify.addHook('onRoute', (route) => {
    const body = (route.config as { [ROUTE_BODY]?: RouteBodyOptions } | undefined)?.[ROUTE_BODY];
    if (!body) return;
    const limit = typeof body.limit === 'number' ? body.limit : config(body.limit);
    if (typeof limit !== 'number' || !(limit > 0)) {
      throw new Error(
        `${String(route.method)} ${route.url}: body limit ${String(body.limit)} is not a positive number`,
      );
    }
    route.bodyLimit = limit;
  });

  // A request pipelined behind a refused body, on a connection that closes after it: not
  // served (its answer could not be sent anyway).
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (isClosingAfterBody(request.raw.socket)) request.raw.socket.destroy();
    else done();
  });

  fastify.removeContentTypeParser(['application/json', 'text/plain']);

  fastify.addContentTypeParser('application/json', (request, payload, done) => {
    const { body, limit } = bodyOf(request);
    if (body?.kind !== 'json') {
      anyBody(request, body, limit, done);
      return;
    }
    const encoding = encoded(request.raw);
    if (encoding) {
      done(unsupportedEncoding(encoding));
      return;
    }
    if (declaredOver(request.raw, limit)) {
      done(bodyTooLarge(limit, 'The JSON body'));
      return;
    }
    readRawBody(payload, limit, 'The JSON body', Number(request.headers['content-length'])).then(
      (bytes) => {
        if (bytes.length === 0) {
          done(new BadRequestException('The JSON body is empty'));
          return;
        }
        let parsed: unknown;
        try {
          // Fastify's own JSON parser, without the error text it replaces JSON.parse's with.
          parsed = secureJson.parse(bytes.toString('utf8'), PROTO_POISONING);
        } catch (error) {
          const reason = (error as Error).message;
          done(new BadRequestException(capMessage(`The JSON body is not valid JSON: ${reason}`)));
          return;
        }
        done(null, parsed);
      },
      done,
    );
  });

  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const { body, limit } = bodyOf(request);
    anyBody(request, body, limit, done);
  });
}

type Done = (error: Error | null, body?: unknown) => void;

function anyBody(
  request: FastifyRequest,
  body: RouteBodyOptions | undefined,
  limit: number,
  done: Done,
): void {
  const raw = request.raw;
  if (!body) {
    // A route that takes no body: what was sent is drained within the app's limit.
    drainUnread(raw, limit);
    done(null, undefined);
    return;
  }
  const type = mediaTypeOf(raw);
  if (body.kind === 'json') {
    done(new UnsupportedMediaTypeException('Content-Type must be application/json'));
    return;
  }
  if (!accepts(body.accept, type)) {
    done(
      new UnsupportedMediaTypeException(
        capMessage(
          `Content-Type must be ${body.acceptName ?? body.accept?.join(', ')}, not "${type || 'none'}"`,
        ),
      ),
    );
    return;
  }
  const encoding = encoded(raw);
  if (encoding) {
    done(unsupportedEncoding(encoding));
    return;
  }
  if (declaredOver(raw, limit)) {
    done(bodyTooLarge(limit));
    return;
  }
  if (body.kind === 'stream') {
    done(null, undefined);
    return;
  }
  readRawBody(raw, limit, undefined, Number(raw.headers['content-length'])).then(
    (bytes) => done(null, bytes),
    done,
  );
}

function unsupportedEncoding(encoding: string): UnsupportedMediaTypeException {
  return new UnsupportedMediaTypeException(
    capMessage(`Unsupported Content-Encoding "${encoding}": send the body unencoded`),
  );
}
