import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { ClosedError, QueueFullError, TimedOutError } from '../../concurrency/admission';
import { ConcurrencyError } from '../../concurrency/concurrency.errors';
import {
  CommandFailedError,
  CommandOutputTooLargeError,
  SpawnHelperLostError,
} from '../../concurrency/child-process';
import { WorkerCrashedError } from '../../concurrency/worker-pool';
import { closeAfterBody } from './body-limits';
import { capMessage } from './messages';

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

/**
 * HTTP status of each concurrency error; anything unlisted is a 500. Queue full, closed and
 * timed out are the admission bases every executor's errors of that kind extend.
 */
function statusOf(error: ConcurrencyError): HttpStatus {
  if (
    error instanceof QueueFullError ||
    error instanceof ClosedError ||
    error instanceof SpawnHelperLostError
  ) {
    return HttpStatus.SERVICE_UNAVAILABLE;
  }
  if (error instanceof TimedOutError) return HttpStatus.GATEWAY_TIMEOUT;
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

/**
 * The one place where errors become HTTP answers in Nest's shape
 * `{ statusCode, error, message }`: concurrency errors (with `Retry-After` where retrying
 * can help) and body-parser errors here; Nest's HttpExceptions as Nest formats them.
 */
@Catch()
export class ApiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  override catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (error instanceof ConcurrencyError) return this.concurrency(error, reply);
    if (error instanceof HttpException) return this.http(error, reply);
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      // Fastify's own 4xx (a malformed request, a timeout): the client's fault, not logged.
      return this.send(reply, status, (error as Error).message);
    }
    super.catch(error, host);
  }

  private concurrency(error: ConcurrencyError, reply: FastifyReply): void {
    // The client cancelled and is gone: there is nobody to answer.
    if (reply.raw.destroyed || reply.raw.writableEnded) return;
    if (error instanceof WorkerCrashedError) this.logger.error(error.message);
    if (error.retryAfterSeconds !== undefined) {
      reply.header('Retry-After', String(error.retryAfterSeconds));
    }
    this.send(reply, statusOf(error), error.message, detailsOf(error));
  }

  /** As Nest answers them (its body, or `{ statusCode, message }`), the message capped. */
  private http(error: HttpException, reply: FastifyReply): void {
    const status = error.getStatus();
    const body = error.getResponse();
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (status === 413) closeAfterAnswer(reply);
    // Every 503 says when to try again.
    if (status === 503 && !reply.hasHeader('retry-after') && !reply.raw.hasHeader('retry-after')) {
      reply.header('Retry-After', String(retryAfterOf(error) ?? 1));
    }
    // Every error body has `error`, the status's reason, whatever built the exception.
    const reason = REASON[status as HttpStatus] ?? STATUS_CODES[status] ?? 'Error';
    if (typeof body !== 'object' || body === null) {
      reply.code(status).send({ statusCode: status, error: reason, message: capped(body) });
    } else if ('message' in body) {
      reply.code(status).send({ error: reason, ...body, message: capped(body.message) });
    } else {
      reply.code(status).send({ error: reason, ...body });
    }
  }

  private send(
    reply: FastifyReply,
    status: number,
    message: unknown,
    details: Record<string, unknown> = {},
  ): void {
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (status === 413) closeAfterAnswer(reply);
    reply.code(status).send({
      statusCode: status,
      error: REASON[status as HttpStatus] ?? STATUS_CODES[status] ?? 'Error',
      ...details,
      message: capped(message),
    });
  }
}

/** An exception's own `retryAfterSeconds` (e.g. the job queue's 503s), if it has one. */
function retryAfterOf(error: HttpException): number | undefined {
  const seconds = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === 'number' && seconds > 0 ? seconds : undefined;
}

function capped(message: unknown): unknown {
  if (typeof message === 'string') return capMessage(message);
  if (Array.isArray(message)) return message.slice(0, 20).map((m) => capped(m));
  return message;
}

/** The status of an error Fastify or Node raised for a bad request (4xx), else undefined. */
function clientErrorStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * A body refused as too large was left unread: the connection goes after the answer, once
 * the client has sent the rest (`closeAfterBody`).
 */
function closeAfterAnswer(reply: FastifyReply): void {
  reply.header('Connection', 'close');
  closeAfterBody(reply.request.raw);
}
