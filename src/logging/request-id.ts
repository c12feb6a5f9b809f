import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming id may be: short, and nothing that could forge a log line or a header. */
const VALID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id of a request: the caller's `X-Request-Id` when it is valid (so a trace that began
 * upstream keeps its id), else a fresh UUID. It is echoed in the response's `X-Request-Id`.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && VALID.test(incoming) ? incoming : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}
