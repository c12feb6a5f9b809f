import { type ArgumentsHost, Catch, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import { ConcurrencyError } from '../../concurrency/concurrency.errors';
import {
  CommandFailedError,
  CommandOutputTooLargeError,
  CommandQueueFullError,
  CommandTimedOutError,
  RunnerClosedError,
  SpawnHelperLostError,
} from '../../concurrency/child-process';
import {
  PoolClosedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../concurrency/worker-pool';

const REASON: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Payload Too Large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported Media Type',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'Unprocessable Entity',
  [HttpStatus.BAD_GATEWAY]: 'Bad Gateway',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
  [HttpStatus.GATEWAY_TIMEOUT]: 'Gateway Timeout',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'Internal Server Error',
};

/** HTTP status of each concurrency error; anything unlisted is a 500. */
function statusOf(error: ConcurrencyError): HttpStatus {
  if (
    error instanceof TaskQueueFullError ||
    error instanceof PoolClosedError ||
    error instanceof CommandQueueFullError ||
    error instanceof RunnerClosedError ||
    error instanceof SpawnHelperLostError
  ) {
    return HttpStatus.SERVICE_UNAVAILABLE;
  }
  if (error instanceof TaskTimeoutError || error instanceof CommandTimedOutError) {
    return HttpStatus.GATEWAY_TIMEOUT;
  }
  if (error instanceof CommandFailedError) return HttpStatus.UNPROCESSABLE_ENTITY;
  if (error instanceof CommandOutputTooLargeError) return HttpStatus.BAD_GATEWAY;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

/** Fields a client can act on, beyond the message. */
function detailsOf(error: ConcurrencyError): Record<string, unknown> {
  if (error instanceof CommandFailedError) {
    return { exitCode: error.exitCode, signal: error.signal, stderrTail: error.stderrTail };
  }
  return {};
}

/** The errors express's body parsers raise (http-errors with a `type`). */
interface BodyParserError {
  type: string;
  status: number;
  message: string;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const e = error as Partial<BodyParserError> | null;
  return typeof e?.type === 'string' && typeof e.status === 'number' && e.status < 500;
}

function bodyParserMessage(error: BodyParserError): string {
  switch (error.type) {
    case 'entity.too.large':
      return `The JSON body is larger than the limit of ${error.limit} bytes`;
    case 'entity.parse.failed':
      return `The JSON body is not valid JSON: ${error.message}`;
    case 'charset.unsupported':
      return 'Unsupported charset: send UTF-8 JSON';
    case 'encoding.unsupported':
      return 'Unsupported Content-Encoding';
    default:
      return 'The request body could not be read';
  }
}

/**
 * The one place where errors become HTTP answers in Nest's shape
 * `{ statusCode, error, message }`: concurrency errors (with `Retry-After` where retrying
 * can help) and body-parser errors here; Nest's HttpExceptions as Nest formats them.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  override catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof ConcurrencyError) return this.concurrency(error, response);
    if (isBodyParserError(error))
      return this.send(response, error.status, bodyParserMessage(error));
    super.catch(error, host);
  }

  private concurrency(error: ConcurrencyError, response: Response): void {
    // The client cancelled and is gone: there is nobody to answer.
    if (response.destroyed || response.writableEnded) return;
    if (error instanceof WorkerCrashedError) this.logger.error(error.message);
    if (error.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    this.send(response, statusOf(error), error.message, detailsOf(error));
  }

  private send(
    response: Response,
    status: HttpStatus,
    message: string,
    details: Record<string, unknown> = {},
  ): void {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response
      .status(status)
      .json({ statusCode: status, error: REASON[status] ?? 'Error', message, ...details });
  }
}
