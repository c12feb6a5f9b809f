import { HttpException, HttpStatus } from '@nestjs/common';
import { JobsMessages } from './jobs.messages';

/*
 * The job routes' answers that are not the job's own: HttpExceptions, which the app's
 * exception filter sends as `{ statusCode, error, message, … }`; a 503 carries its
 * `retryAfterSeconds` as Retry-After.
 */

/** REDIS_URL is not set: the service runs without a job queue. 501, as no retry helps. */
export class JobsOffError extends HttpException {
  constructor() {
    super(
      {
        statusCode: 501,
        error: 'Not Implemented',
        message: JobsMessages.off(),
        variable: 'REDIS_URL',
      },
      HttpStatus.NOT_IMPLEMENTED,
    );
  }
}

/** Redis does not answer (down, restarting, unreachable): the client may retry. */
export class RedisUnavailableError extends HttpException {
  readonly retryAfterSeconds = 5;

  constructor(reason: string) {
    super(JobsMessages.redisUnavailable(reason), HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** `JOBS_MAX_WAITING` jobs already wait: push back instead of growing the backlog. */
export class JobsQueueFullError extends HttpException {
  readonly retryAfterSeconds = 5;

  constructor(maxWaiting: number) {
    super(JobsMessages.queueFull(maxWaiting), HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/** No such job, or it expired. */
export class JobNotFoundError extends HttpException {
  constructor(id: string) {
    super(JobsMessages.notFound(id), HttpStatus.NOT_FOUND);
  }
}

/**
 * The job is not in a state the request needs. The body has its `status` and the whole
 * `job` (as `GET /jobs/{id}` reads it, with its `error` when it failed).
 */
export class JobConflictError extends HttpException {
  constructor(message: string, job: { status: string }) {
    super(
      { statusCode: 409, error: 'Conflict', message, status: job.status, job },
      HttpStatus.CONFLICT,
    );
  }
}
