import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming id may be: short, and nothing that could forge a log line or a header. */
const VALID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id of a request (Fastify's `genReqId`): the caller's `X-Request-Id` when it is valid
 * (so a trace that began upstream keeps its id), else a fresh UUID. LoggingModule echoes it
 * in the response's `X-Request-Id`.
 */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && VALID.test(incoming) ? incoming : randomUUID();
}
