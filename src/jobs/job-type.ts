import type { Type } from '@nestjs/common';
import type { SchemaObject } from '@nestjs/swagger';

/** What a job's handler gets besides its data. */
export interface JobContext {
  /** Aborted when the job is cancelled (`DELETE /jobs/{id}`) or its process shuts down. */
  readonly signal: AbortSignal;
  /** The job's id. */
  readonly id: string;
}

/**
 * The code of one job type, a Nest provider of its workload's module (so it can use that
 * workload's services): `accept` runs in the request that enqueues, `run` on whichever app
 * worker takes the job, in this pod or another.
 */
export interface JobHandler<Data = unknown> {
  /**
   * Validates the request body and returns the job's data (JSON, stored in Redis). Throws
   * the 4xx the synchronous route would answer for the same body: nothing bad is queued.
   */
  accept(body: unknown): Data | Promise<Data>;
  /** Runs the job through the WorkerPool; resolves to the result's bytes. */
  run(data: Data, context: JobContext): Promise<Uint8Array>;
}

/** A job type: `POST /jobs/<name>` enqueues one; see {@link defineJobType}. */
export interface JobType<Data = unknown> {
  /** kebab-case; the route is `POST /jobs/<name>`, and the `type` of its jobs. */
  readonly name: string;
  /** The provider that accepts and runs these jobs (provided by the workload's module). */
  readonly handler: Type<JobHandler<Data>>;
  /** The JSON body's limit: bytes, or a config path such as `'pdf.maxBodyBytes'`. */
  readonly bodyLimit: number | string;
  /** The content type of a result, e.g. `application/pdf`. */
  readonly resultType: string;
  /** For /docs: the body's JSON schema, a summary and a description. */
  readonly docs: { schema: SchemaObject; summary: string; description?: string };
}

/** Declares a job type; wire it with `JobsModule.forFeature(type)` in the workload's module. */
export function defineJobType<Data>(type: JobType<Data>): JobType<Data> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(type.name)) {
    throw new Error(`Job type name ${JSON.stringify(type.name)} is not kebab-case`);
  }
  return type;
}
