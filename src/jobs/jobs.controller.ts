import { Controller, Delete, Get, Optional, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors, BINARY_SCHEMA } from '../docs';
import { JobRegistry } from './job-registry';
import { JOB_VIEW_SCHEMA } from './jobs.openapi';
import { JobsOffError } from './jobs.errors';
import type { JobView } from './job-view';
import { JobsApi } from './jobs-api';

const ID = ApiParam({ name: 'id', description: 'The id `POST /jobs/<type>` answered.' });
const OFF_OR_DOWN = {
  501: 'Async jobs are off: REDIS_URL is not set (the message names it).',
  503: "The job queue's Redis is unreachable; the route recovers with it.",
} as const;

/** Reads and cancels jobs of every type, on any instance: all state is in Redis. */
@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly registry: JobRegistry,
    @Optional() private readonly jobs?: JobsApi,
  ) {}

  @Get(':id')
  @ApiOperation({ operationId: 'getJob', summary: "A job's status, from any instance" })
  @ID
  @ApiOkResponse({ description: 'The job.', schema: JOB_VIEW_SCHEMA })
  @ApiErrors({ 404: 'No such job, or it expired (JOBS_RESULT_TTL_S).', ...OFF_OR_DOWN })
  status(@Param('id') id: string): Promise<JobView> {
    return this.service().status(id);
  }

  @Get(':id/result')
  @ApiOperation({
    operationId: 'getJobResult',
    summary: "A completed job's result, with its type's content type (application/pdf…)",
  })
  @ID
  @ApiProduces('application/pdf', 'application/octet-stream')
  @ApiOkResponse({ description: 'The result.', schema: BINARY_SCHEMA })
  @ApiErrors({
    404: 'No such job, or it or its result expired (JOBS_RESULT_TTL_S).',
    409: 'The job is not completed: the body has its `status`, and the `job` (with its `error` when failed).',
    ...OFF_OR_DOWN,
  })
  async result(
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const { view, bytes } = await this.service().result(id);
    const type = this.registry.get(view.type)?.resultType ?? 'application/octet-stream';
    reply.header('Cache-Control', 'private, max-age=0');
    return new StreamableFile(bytes, { type, length: bytes.length });
  }

  @Delete(':id')
  @ApiOperation({
    operationId: 'cancelJob',
    summary: 'Cancel a job: a queued one is removed, a running one stopped; it reads `cancelled`',
  })
  @ID
  @ApiOkResponse({ description: 'The job, now `cancelled`.', schema: JOB_VIEW_SCHEMA })
  @ApiErrors({
    404: 'No such job, or it expired.',
    409: 'The job already finished (completed, failed or cancelled): the body has its `status`.',
    ...OFF_OR_DOWN,
  })
  cancel(@Param('id') id: string): Promise<JobView> {
    return this.service().cancel(id);
  }

  private service(): JobsApi {
    if (!this.jobs) throw new JobsOffError();
    return this.jobs;
  }
}
