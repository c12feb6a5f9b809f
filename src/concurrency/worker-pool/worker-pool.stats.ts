import { type LatencySummary } from '../admission';

/** One pool thread as the health checks see it. */
export interface ThreadStats {
  /** The thread's `threadId`. */
  id: number;
  alive: boolean;
  busy: boolean;
  /** Tasks this thread finished: returned, or threw. */
  tasksDone: number;
  tasksFailed: number;
  /** p99 of this thread's run times, in ms. */
  runP99Ms: number;
}

/** A point-in-time picture of the pool, for health checks and metrics. */
export interface WorkerPoolStats {
  /** False once shutdown began. */
  accepting: boolean;
  threads: ThreadStats[];
  /** Threads started to replace one that died or was stopped (timeout, cancelled task). */
  threadRestarts: number;
  /** Tasks waiting for a thread or an in-process slot. */
  queueSize: number;
  maxQueue: number;
  /** Tasks running now (threads and in-process). */
  running: number;
  inline: { running: number; queued: number; concurrency: number };
  completed: number;
  /** Tasks that threw or whose thread died. */
  failed: number;
  timedOut: number;
  aborted: number;
  /** Runs refused because the queue was full or the pool closed. */
  rejected: number;
  /** Milliseconds from submission to start. */
  waitTime: LatencySummary;
  /** Milliseconds from start to settlement. */
  runTime: LatencySummary;
  /** Share of the pool's thread time spent running tasks since start, 0..1. */
  utilization: number;
}
