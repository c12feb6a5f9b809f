import type { JobType } from './job-type';
import type { JobAccepted, JobView } from './job-view';

/**
 * What the job routes call: provided (by JobsService) only when REDIS_URL is set. An
 * abstract class, so that it is a DI token the routes can ask for without loading BullMQ.
 */
export abstract class JobsApi {
  abstract enqueue(type: JobType, body: unknown): Promise<JobAccepted>;
  abstract status(id: string): Promise<JobView>;
  abstract result(id: string): Promise<{ view: JobView; bytes: Buffer }>;
  abstract cancel(id: string): Promise<JobView>;
}
