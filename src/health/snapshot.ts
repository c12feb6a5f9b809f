/**
 * What one app process reports about itself: built in the app with terminus indicators,
 * sent to the cluster primary with every heartbeat, served by the probe server. Plain data
 * (no Nest types), because the primary never loads Nest.
 */
export type IndicatorDetail = { status: 'up' | 'down' } & Record<string, unknown>;

/** terminus's response shape. */
export interface HealthReport {
  status: 'ok' | 'error';
  info: Record<string, IndicatorDetail>;
  error: Record<string, IndicatorDetail>;
  details: Record<string, IndicatorDetail>;
}

export interface AppSnapshot {
  pid: number;
  takenAt: number;
  uptimeMs: number;
  /** Can this process take work: not shutting down, loop not saturated, pool and runner (if any) taking work. */
  readiness: HealthReport;
  eventLoop: { p99Ms: number; maxMs: number };
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number };
  /** Present when the app has a WorkerPool: WorkerPoolStats. */
  workerPool?: unknown;
  /** Present when the app has a ChildProcessRunner: ChildProcessStats. */
  childProcess?: unknown;
  /** Present when the app has the job queue module: JobsSnapshot (Redis, queue counts, running jobs). */
  jobs?: unknown;
}

/** Builds a terminus-shaped report from indicator results (`{ key: detail }` each). */
export function toReport(results: Record<string, IndicatorDetail>[]): HealthReport {
  const details = Object.assign({}, ...results) as Record<string, IndicatorDetail>;
  const info: Record<string, IndicatorDetail> = {};
  const error: Record<string, IndicatorDetail> = {};
  for (const [key, detail] of Object.entries(details)) {
    (detail.status === 'up' ? info : error)[key] = detail;
  }
  return { status: Object.keys(error).length === 0 ? 'ok' : 'error', info, error, details };
}
