import { type LatencySummary } from '../admission';
import type { SpawnerStats } from '../spawn/spawner';

/** A spawned command that has not finished yet (its group may be being killed). */
export interface RunningProcessStats {
  pid: number;
  /** As the caller named it. Arguments are left out: they may carry user input. */
  executable: string;
  ageMs: number;
}

/**
 * A point-in-time picture of the runner, for health checks and metrics. Every accepted run
 * ends in exactly one of `completed`, `failed`, `timedOut` and `aborted`.
 */
export interface ChildProcessStats {
  /** False once shutdown began. */
  accepting: boolean;
  running: RunningProcessStats[];
  /** Commands waiting for a slot. */
  queued: number;
  maxConcurrency: number;
  maxQueue: number;
  completed: number;
  /** Non-zero exits, deaths by a foreign signal, output over the cap, spawn failures. */
  failed: number;
  /** Past the deadline or the idle timeout, in the queue or running. */
  timedOut: number;
  /** Cancelled by the caller (or its input or consumer going away), or stopped by shutdown. */
  aborted: number;
  /**
   * Runs whose process group the runner had to signal: stopped while running, or leaving
   * processes behind after their leader exited. Overlaps the outcomes above.
   */
  killed: number;
  /** Runs refused at once: queue full or shutting down. */
  rejected: number;
  /** The spawn helper: its pid, how often it was replaced, how long since it last answered. */
  spawner: SpawnerStats;
  /** Milliseconds from submission to a slot. */
  waitTime: LatencySummary;
  /** Milliseconds from spawn until the process and its group were gone. */
  runTime: LatencySummary;
}
