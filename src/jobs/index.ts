/**
 * The durable job queue's public API (BullMQ on Redis), run in every app worker: the
 * routes enqueue on any instance, and any instance's worker runs the job through its
 * WorkerPool. `JobsModule.forRoot()` in AppModule; a workload makes a task a job type with
 * `defineJobType` and one line, `JobsModule.forFeature(type)`, in its module's imports.
 *
 * @packageDocumentation
 */
export { JobsModule } from './jobs.module';
export { defineJobType, type JobContext, type JobHandler, type JobType } from './job-type';
export { JobsMonitor, type JobRunRecord, type JobsSnapshot, type JobOutcome } from './jobs.monitor';
export type { JobAccepted, JobStatus, JobView } from './job-view';
