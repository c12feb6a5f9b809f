/**
 * The durable job queue's public API (BullMQ on Redis): the routes enqueue on any instance,
 * and any instance's BullMQ worker runs the job through its WorkerPool. `JobsModule.forRoot()`
 * in AppModule; a workload makes a task a job type with `defineJobType` and one line,
 * `JobsModule.forFeature(type)`, in its module's imports.
 *
 * Runs in: the app worker (a job's task on a pool thread, like a request's).
 *
 * @packageDocumentation
 */
export { JobsModule } from './jobs.module';
export { defineJobType, type JobContext, type JobHandler, type JobType } from './job-type';
export { JobsMonitor, type JobRunRecord, type JobsSnapshot, type JobOutcome } from './jobs.monitor';
export type { JobAccepted, JobStatus, JobView } from './job-view';
