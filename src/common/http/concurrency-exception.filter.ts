import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { ConcurrencyError } from '../../concurrency/concurrency.errors';
import {
  PoolClosedError,
  TaskAbortedError,
  TaskQueueFullError,
  TaskTimeoutError,
  WorkerCrashedError,
} from '../../concurrency/worker-pool';

/** HTTP status of each concurrency error; anything unlisted is a 500. */
function statusOf(error: ConcurrencyError): HttpStatus {
  if (error instanceof TaskQueueFullError || error instanceof PoolClosedError) {
    return HttpStatus.SERVICE_UNAVAILABLE;
  }
  if (error instanceof TaskTimeoutError) return HttpStatus.GATEWAY_TIMEOUT;
  return HttpStatus.INTERNAL_SERVER_ERROR;
}

const REASON: Partial<Record<HttpStatus, string>> = {
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
  [HttpStatus.GATEWAY_TIMEOUT]: 'Gateway Timeout',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'Internal Server Error',
};

/**
 * The one place where concurrency errors become HTTP answers, in Nest's error shape
 * `{ statusCode, error, message }`, with `Retry-After` where retrying can help.
 */
@Catch(ConcurrencyError)
export class ConcurrencyExceptionFilter implements ExceptionFilter<ConcurrencyError> {
  private readonly logger = new Logger(ConcurrencyExceptionFilter.name);

  catch(error: ConcurrencyError, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // The client cancelled and is gone: there is nobody to answer.
    if (error instanceof TaskAbortedError && (response.destroyed || response.writableEnded)) return;
    const status = statusOf(error);
    if (error instanceof WorkerCrashedError) this.logger.error(error.message);
    if (response.headersSent) {
      response.destroy(error);
      return;
    }
    if (error.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(error.retryAfterSeconds));
    }
    response
      .status(status)
      .json({ statusCode: status, error: REASON[status], message: error.message });
  }
}
