import type { LogRecord } from '../../logging/process-logger';
import { describePlan, type ThreadPlan } from './thread-plan';

/**
 * One log line of the supervisor: `event` names what happened and the fields carry its
 * numbers, for tests, benchmarks and log queries; `msg` is the same as a sentence, for people.
 */
export interface ClusterEvent extends LogRecord {
  event: string;
  /** The app worker's slot, 1..N. */
  slot?: number;
  pid?: number;
  /** The duration the event reports (see each event). */
  ms?: number;
  code?: number | null;
  signal?: string | null;
}

/** The supervisor's log events, in one place. */
export const clusterEvents = {
  /** `perWorker`: each thread group's size in an app worker, by its variable. */
  plan: (plan: ThreadPlan): ClusterEvent => ({
    event: 'plan',
    clusterEnabled: plan.clusterEnabled,
    workers: plan.workers,
    perWorker: Object.fromEntries(plan.groups.map((group) => [group.variable, group.perWorker])),
    cpus: plan.budget.cpus,
    oversubscribed: plan.oversubscribed,
    msg: describePlan(plan),
  }),
  forked: (slot: number, pid: number, reason: string): ClusterEvent => ({
    event: 'worker-forked',
    slot,
    pid,
    reason,
    msg: `Cluster: worker ${slot} forked (pid ${pid}, ${reason})`,
  }),
  /** `ms`: from fork to ready. */
  ready: (slot: number, pid: number, ms: number): ClusterEvent => ({
    event: 'worker-ready',
    slot,
    pid,
    ms,
    msg: `Cluster: worker ${slot} ready (pid ${pid}) in ${ms} ms`,
  }),
  /** `ms`: since the primary started. */
  allReady: (workers: number, ms: number): ClusterEvent => ({
    event: 'all-ready',
    workers,
    ms,
    msg: `Cluster: all ${workers} workers ready in ${ms} ms`,
  }),
  /** `ms`: the worker's uptime. */
  exited: (
    slot: number,
    pid: number,
    code: number | null,
    signal: string | null,
    ms: number,
  ): ClusterEvent => ({
    event: 'worker-exited',
    slot,
    pid,
    code,
    signal,
    ms,
    msg: `Cluster: worker ${slot} (pid ${pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`} after ${ms} ms`,
  }),
  /** `ms`: the backoff before the fork. */
  restarting: (slot: number, ms: number, attempt: number): ClusterEvent => ({
    event: 'worker-restart-scheduled',
    slot,
    ms,
    attempt,
    msg: `Cluster: restarting worker ${slot} in ${ms} ms (attempt ${attempt})`,
  }),
  ipcError: (slot: number, pid: number, error: string): ClusterEvent => ({
    event: 'worker-ipc-error',
    slot,
    pid,
    error,
    msg: `Cluster: worker ${slot} (pid ${pid}) IPC error: ${error}`,
  }),
  /** `ms`: CLUSTER_WORKER_START_TIMEOUT_MS. */
  startTimeout: (slot: number, pid: number, ms: number): ClusterEvent => ({
    event: 'worker-start-timeout',
    slot,
    pid,
    ms,
    msg: `Cluster: worker ${slot} (pid ${pid}) not ready after ${ms} ms; killing it`,
  }),
  /** `ms`: the silence. */
  silent: (slot: number, pid: number, ms: number): ClusterEvent => ({
    event: 'worker-silent',
    slot,
    pid,
    ms,
    msg: `Cluster: worker ${slot} (pid ${pid}) sent no heartbeat for ${ms} ms (blocked or stopped); killing it`,
  }),
  overRss: (slot: number, pid: number, rssMb: number, maxMb: number): ClusterEvent => ({
    event: 'worker-over-rss',
    slot,
    pid,
    rssMb,
    maxMb,
    msg: `Cluster: worker ${slot} (pid ${pid}) uses ${rssMb} MiB RSS, above ${maxMb} MiB; replacing it`,
  }),
  /** `ms`: the crash-loop window. */
  crashLoop: (exits: number, ms: number): ClusterEvent => ({
    event: 'crash-loop',
    exits,
    ms,
    msg: `Cluster: crash loop, ${exits} unstable worker exits within ${ms} ms; stopping the cluster`,
  }),
  configError: (slot: number): ClusterEvent => ({
    event: 'worker-config-error',
    slot,
    msg: `Cluster: worker ${slot} cannot start with this configuration; stopping the cluster`,
  }),
  rolling: (workers: number): ClusterEvent => ({
    event: 'rolling-restart',
    workers,
    msg: `Cluster: SIGHUP, rolling restart of ${workers} workers`,
  }),
  /** `ms`: the whole rolling restart. */
  rolled: (ms: number): ClusterEvent => ({
    event: 'rolling-restart-done',
    ms,
    msg: `Cluster: rolling restart done in ${ms} ms`,
  }),
  replaceFailed: (slot: number): ClusterEvent => ({
    event: 'worker-replace-failed',
    slot,
    msg: `Cluster: the replacement of worker ${slot} did not become ready; keeping the old one`,
  }),
  rollingStopped: (slot: number): ClusterEvent => ({
    event: 'rolling-restart-stopped',
    slot,
    msg: `Cluster: rolling restart stopped at worker ${slot}; the others keep running`,
  }),
  /** `ms`: SHUTDOWN_TIMEOUT_MS. */
  shutdown: (signal: string, delayMs: number, ms: number): ClusterEvent => ({
    event: 'shutdown',
    signal,
    delayMs,
    ms,
    msg: `Cluster: ${signal} received: not ready now, draining in ${delayMs} ms, for up to ${ms} ms`,
  }),
  secondSignal: (signal: string): ClusterEvent => ({
    event: 'shutdown-forced',
    signal,
    msg: `Cluster: second ${signal}: stopping now`,
  }),
  stragglers: (workers: number): ClusterEvent => ({
    event: 'shutdown-timeout',
    workers,
    msg: `Cluster: shutdown timeout, killing ${workers} worker(s)`,
  }),
  stopped: (code: number): ClusterEvent => ({
    event: 'stopped',
    code,
    msg: `Cluster: all workers gone, exiting ${code}`,
  }),
};
