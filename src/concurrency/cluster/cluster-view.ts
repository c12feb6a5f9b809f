/** Where an app worker is in its life: forked and starting, serving, or draining to exit. */
export type WorkerState = 'starting' | 'ready' | 'draining';

/** One app worker (or the single app process) as the supervisor last heard from it. */
export interface WorkerView {
  /** The worker's slot, 1..N (0: the single process). */
  id: number;
  pid: number;
  state: WorkerState;
  startedAt: number;
  readyAt?: number;
  /** When the primary last heard from it; `Date.now()` for the single process. */
  lastHeartbeatAt: number;
  /** Times this slot's worker was replaced after an unexpected exit. */
  restarts: number;
  /** From the last heartbeat (the worker's own event loop and memory). */
  loopDelayP99Ms?: number;
  rssBytes?: number;
  /** The app's health snapshot from the last heartbeat (see src/health/snapshot.ts). */
  snapshot?: unknown;
}

/** A worker that exited, kept for a while so `/health` can show recent exits. */
export interface WorkerExit {
  id: number;
  pid: number;
  code: number | null;
  signal: string | null;
  uptimeMs: number;
  at: number;
  /** Why it ended, as far as the supervisor knows. */
  reason: 'unexpected' | 'heartbeat timeout' | 'start timeout' | 'replaced' | 'shutdown';
  wasReady: boolean;
}

/** `crash-loop`: workers kept dying young, so the supervisor is giving up (and not live). */
export type SupervisorState = 'running' | 'stopping' | 'crash-loop';

/**
 * What the supervisor knows about its workers, read by the probe server. Implemented by
 * the cluster primary, and by a one-worker view of the process itself without a cluster.
 */
export interface ClusterView {
  readonly mode: 'cluster' | 'single';
  readonly plannedWorkers: number;
  readonly heartbeatIntervalMs: number;
  state(): SupervisorState;
  /** True once the first full set of workers was ready. */
  startedUp(): boolean;
  workers(): WorkerView[];
  /** Restarts after an unexpected exit, per worker slot (a steady series for metrics). */
  slotRestarts(): { id: number; restarts: number }[];
  /** Recent exits, newest first. */
  exits(): WorkerExit[];
  /** Each live worker's metrics (prom-client JSON), or none if it did not answer in time. */
  scrape(timeoutMs: number): Promise<{ id: number; metrics?: unknown }[]>;
}
