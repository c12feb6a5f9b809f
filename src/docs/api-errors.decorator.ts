import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ApiErrorBody } from './api-error-body';

/** The error statuses this service answers with (README, "Status codes"). */
export type ErrorStatus = 400 | 404 | 409 | 413 | 415 | 422 | 500 | 501 | 502 | 503 | 504;

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer', minimum: 1 },
  },
};

/**
 * Documents a route's error answers, each with the shared `ApiErrorBody` schema and the
 * route's own reason; a 503 also gets its `Retry-After` header.
 *
 * @example `@ApiErrors({ 400: 'unknown query parameter', 503: 'the queue is full' })`
 */
export function ApiErrors(when: Partial<Record<ErrorStatus, string>>): MethodDecorator {
  return applyDecorators(
    ...Object.entries(when).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        type: ApiErrorBody,
        ...(status === '503' ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
