import { Body, Controller, HttpCode, Optional, Post, Req, Res, type Type } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireJsonBody } from '../common/http/json-body';
import { RouteBody } from '../common/http/route-body';
import { ApiErrors } from '../docs';
import type { JobType } from './job-type';
import type { JobAccepted } from './job-view';
import { JOB_ACCEPTED_SCHEMA } from './jobs.openapi';
import { JobsOffError } from './jobs.errors';
import { JobsApi } from './jobs-api';

const pascal = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_, __: string, c: string) => c.toUpperCase());

/**
 * `POST /jobs/<type.name>`: the type's JSON body, read and limited as its synchronous route
 * reads it (`@RouteBody`), validated by its handler, queued → 202 with `Location`.
 */
export function enqueueController(type: JobType): Type {
  @ApiTags('jobs')
  @Controller('jobs')
  class EnqueueController {
    constructor(@Optional() private readonly jobs?: JobsApi) {}

    @Post(type.name)
    @HttpCode(202)
    @RouteBody({ kind: 'json', limit: type.bodyLimit })
    @ApiOperation({
      operationId: `enqueue${pascal(type.name)}`,
      summary: type.docs.summary,
      description:
        `${type.docs.description ?? ''} Validated as the synchronous route validates it, then ` +
        'queued in Redis: any instance runs it, through its WorkerPool. Poll the `statusUrl`; ' +
        'fetch the result from `resultUrl` once `completed`.',
    })
    @ApiBody({ schema: type.docs.schema })
    @ApiAcceptedResponse({
      description: "Queued. `Location` is the job's status URL.",
      schema: JOB_ACCEPTED_SCHEMA,
      headers: { Location: { description: '/jobs/{id}', schema: { type: 'string' } } },
    })
    @ApiErrors({
      400: 'Invalid JSON, or an invalid field (the message names it), as the synchronous route.',
      413: "A body over the synchronous route's limit.",
      415: 'Content-Type is not application/json, or a Content-Encoding other than identity.',
      422: 'Input the synchronous route also refuses as unprocessable (e.g. a character no font has).',
      501: 'Async jobs are off: REDIS_URL is not set (the message names it).',
      503: "JOBS_MAX_WAITING jobs already wait, or the job queue's Redis is unreachable.",
    })
    async enqueue(
      @Body() body: unknown,
      @Req() request: FastifyRequest,
      @Res({ passthrough: true }) reply: FastifyReply,
    ): Promise<JobAccepted> {
      if (!this.jobs) throw new JobsOffError();
      requireJsonBody(request);
      const accepted = await this.jobs.enqueue(type, body);
      reply.header('Location', accepted.statusUrl);
      return accepted;
    }
  }
  Object.defineProperty(EnqueueController, 'name', { value: `${pascal(type.name)}JobController` });
  return EnqueueController;
}
