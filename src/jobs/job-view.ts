/** A job's status as the API names it. */
export type JobStatus = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

/** `GET /jobs/{id}`: a job as any instance reads it from Redis. */
export interface JobView {
  id: string;
  type: string;
  status: JobStatus;
  /** What the job reported, when it does (0–100). */
  progress?: number;
  /** Runs started so far, the one under way included. */
  attempts: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Why it failed (the last attempt's error), or that it was cancelled. */
  error?: string;
}

/** `POST /jobs/<type>`'s answer (202, with `Location: statusUrl`). */
export interface JobAccepted {
  id: string;
  type: string;
  status: 'queued';
  statusUrl: string;
  resultUrl: string;
}

/** BullMQ's states, as the API names them. */
const STATUS: Record<string, JobStatus> = {
  waiting: 'queued',
  'waiting-children': 'queued',
  prioritized: 'queued',
  delayed: 'queued', // also a retry waiting out its backoff
  active: 'active',
  completed: 'completed',
  failed: 'failed',
};

export function statusOf(state: string): JobStatus {
  return STATUS[state] ?? 'queued';
}

/** Ids are UUIDs (not BullMQ's counter): one job's id says nothing about the others. */
export const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function jobUrls(id: string): { statusUrl: string; resultUrl: string } {
  return { statusUrl: `/jobs/${id}`, resultUrl: `/jobs/${id}/result` };
}

export const iso = (ms: number | undefined): string | undefined =>
  ms ? new Date(ms).toISOString() : undefined;
