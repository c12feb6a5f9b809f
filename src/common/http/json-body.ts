import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * For a `@RouteBody({ kind: 'json' })` route: 415 unless the body came through the JSON
 * parser. That parser only takes application/json; a multipart body reaches the route
 * unparsed. One check, so every JSON route answers the same (POST /pdf/report and its job).
 */
export function requireJsonBody(request: FastifyRequest): void {
  if (request.body === undefined || request.isMultipart()) {
    throw new UnsupportedMediaTypeException('Content-Type must be application/json');
  }
}
