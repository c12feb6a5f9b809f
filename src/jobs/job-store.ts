import { Inject, Injectable } from '@nestjs/common';
import { jobsConfig, type JobsConfig } from '../config';
import { JOBS_PREFIX, JOBS_QUEUE, JobsRedis } from './jobs-redis';
import type { JobView } from './job-view';

const key = (kind: string, id: string) => `${JOBS_PREFIX}:${JOBS_QUEUE}:${kind}:${id}`;

/** The channel on which `DELETE /jobs/{id}` tells every instance to stop a running job. */
export const CANCEL_CHANNEL = `${JOBS_PREFIX}:${JOBS_QUEUE}:cancel`;

/**
 * What the job queue keeps in Redis beside BullMQ's own records, each expiring after
 * `JOBS_RESULT_TTL_S`: results as raw bytes (not base64 in the job's JSON), and the record
 * of a cancelled job (BullMQ has no such state, and a removed job has no record at all).
 */
@Injectable()
export class JobStore {
  constructor(
    private readonly redis: JobsRedis,
    @Inject(jobsConfig.KEY) private readonly config: JobsConfig,
  ) {}

  async saveResult(id: string, bytes: Uint8Array): Promise<void> {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    await this.redis.command.set(key('result', id), buffer, 'EX', this.config.resultTtlS);
  }

  readResult(id: string): Promise<Buffer | null> {
    return this.redis.command.getBuffer(key('result', id));
  }

  async markCancelled(view: JobView): Promise<void> {
    await this.redis.command.set(
      key('cancelled', view.id),
      JSON.stringify(view),
      'EX',
      this.config.resultTtlS,
    );
  }

  async cancelled(id: string): Promise<JobView | undefined> {
    const text = await this.redis.command.get(key('cancelled', id));
    return text ? (JSON.parse(text) as JobView) : undefined;
  }

  /** Tells every instance (this one too) to stop job `id` if it runs it. */
  async announceCancel(id: string): Promise<void> {
    await this.redis.command.publish(CANCEL_CHANNEL, id);
  }

  async removeResult(id: string): Promise<void> {
    await this.redis.command.del(key('result', id));
  }
}
