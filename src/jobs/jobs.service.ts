import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectQueue } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { jobsConfig, type JobsConfig } from '../config';
import type { JobHandler, JobType } from './job-type';
import { JobsApi } from './jobs-api';
import { JobsMonitor } from './jobs.monitor';
import { JobStore } from './job-store';
import { type JobAccepted, type JobView, JOB_ID, iso, jobUrls, statusOf } from './job-view';
import {
  JobConflictError,
  JobNotFoundError,
  JobsQueueFullError,
  RedisUnavailableError,
} from './jobs.errors';
import { JobsMessages } from './jobs.messages';
import { JOBS_QUEUE, JobsRedis } from './jobs-redis';

/** A route's Redis work must answer within this, or the route answers 503. */
const REDIS_ANSWER_MS = 2_000;
/** First retry after a failed attempt; doubles with each further one. */
const BACKOFF_MS = 1_000;

/** What the job routes do, on whichever instance a request lands: all state is in Redis. */
@Injectable()
export class JobsService implements JobsApi {
  constructor(
    @InjectQueue(JOBS_QUEUE) private readonly queue: Queue,
    private readonly redis: JobsRedis,
    private readonly store: JobStore,
    private readonly modules: ModuleRef,
    @Inject(jobsConfig.KEY) private readonly config: JobsConfig,
    monitor: JobsMonitor,
  ) {
    monitor.attach(queue, redis);
    // BullMQ prints an 'error' nobody listens to on stderr, once per reconnection attempt:
    // the outage is logged once by JobsRedis, and each route answers 503 meanwhile.
    queue.on('error', () => undefined);
  }

  /** Validates `body` as the type's synchronous route would, then queues the job. */
  async enqueue(type: JobType, body: unknown): Promise<JobAccepted> {
    const handler = this.modules.get<JobHandler>(type.handler, { strict: false });
    const data = await handler.accept(body);
    const id = randomUUID();
    await this.redisCall(async () => {
      const waiting = await this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
      if (waiting >= this.config.maxWaiting) throw new JobsQueueFullError(this.config.maxWaiting);
      await this.queue.add(type.name, data, {
        jobId: id,
        attempts: this.config.attempts,
        backoff: { type: 'exponential', delay: BACKOFF_MS },
        removeOnComplete: { age: this.config.resultTtlS },
        removeOnFail: { age: this.config.resultTtlS },
      });
    });
    return { id, type: type.name, status: 'queued', ...jobUrls(id) };
  }

  async status(id: string): Promise<JobView> {
    return this.redisCall(() => this.find(id)).then(({ view }) => view);
  }

  /** The result's bytes once the job completed; else 409 with its status. */
  async result(id: string): Promise<{ view: JobView; bytes: Buffer }> {
    return this.redisCall(async () => {
      const { view } = await this.find(id);
      if (view.status !== 'completed') {
        throw new JobConflictError(JobsMessages.noResult(id, view.status), view);
      }
      const bytes = await this.store.readResult(id);
      if (!bytes) throw new JobNotFoundError(id);
      return { view, bytes };
    });
  }

  /** A queued job is removed, a running one stopped where it runs; either reads `cancelled`. */
  async cancel(id: string): Promise<JobView> {
    return this.redisCall(async () => {
      const { view, job } = await this.find(id);
      if (view.status !== 'queued' && view.status !== 'active') {
        throw new JobConflictError(JobsMessages.notCancellable(id, view.status), view);
      }
      const cancelled: JobView = {
        ...view,
        status: 'cancelled',
        finishedAt: new Date().toISOString(),
        error: JobsMessages.cancelled(),
      };
      // Recorded first: a worker that takes the job meanwhile sees it and does not run it.
      await this.store.markCancelled(cancelled);
      const removed = await job!.remove().then(
        () => true,
        () => false, // locked: a worker holds it now
      );
      if (!removed) await this.store.announceCancel(id);
      return cancelled;
    });
  }

  private async find(id: string): Promise<{ view: JobView; job?: Job }> {
    if (!JOB_ID.test(id)) throw new JobNotFoundError(id);
    const cancelled = await this.store.cancelled(id);
    if (cancelled) return { view: cancelled };
    // The state first, then the record: BullMQ writes a job's finish time and its finished
    // state at once, so a job that finishes between the two reads shows as still active, not
    // as completed without a finish time.
    const state = await this.queue.getJobState(id);
    const job = await this.queue.getJob(id);
    if (!job) throw new JobNotFoundError(id);
    // Records expire lazily (BullMQ removes old ones as new jobs finish): past the TTL a
    // job reads as gone even while its record lingers.
    if (job.finishedOn && job.finishedOn + this.config.resultTtlS * 1000 < Date.now()) {
      throw new JobNotFoundError(id);
    }
    return { view: viewOf(job, state), job };
  }

  /** Runs Redis work within {@link REDIS_ANSWER_MS}; Redis down or silent → 503. */
  private async redisCall<T>(work: () => Promise<T>): Promise<T> {
    if (!this.redis.ready) throw new RedisUnavailableError(`connection ${this.redis.state}`);
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RedisUnavailableError(`no answer within ${REDIS_ANSWER_MS} ms`)),
        REDIS_ANSWER_MS,
      );
    });
    try {
      return await Promise.race([work(), silent]);
    } catch (error) {
      throw isConnectionError(error) ? new RedisUnavailableError(error.message) : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

function viewOf(job: Job, state: string): JobView {
  const status = statusOf(state);
  // BullMQ starts every job at 0: only a job that reports progress has it.
  const progress = typeof job.progress === 'number' && job.progress > 0 ? job.progress : undefined;
  return {
    id: job.id!,
    type: job.name,
    status,
    ...(progress !== undefined && { progress }),
    attempts: job.attemptsStarted ?? job.attemptsMade,
    createdAt: iso(job.timestamp)!,
    ...(job.processedOn && { startedAt: iso(job.processedOn) }),
    ...(job.finishedOn && (status === 'completed' || status === 'failed')
      ? { finishedAt: iso(job.finishedOn) }
      : {}),
    ...(status === 'failed' && { error: job.failedReason }),
  };
}

/** ioredis' errors for a connection that is down (no offline queue) or was lost mid-command. */
function isConnectionError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  return (
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest/.test(
      error.message,
    ) || error.name === 'MaxRetriesPerRequestError'
  );
}
