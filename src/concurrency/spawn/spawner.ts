import type { Readable, Writable } from 'node:stream';

/** What to start: an absolute executable path and its argv. Never a shell. */
export interface SpawnRequest {
  file: string;
  args: readonly string[];
  cwd?: string;
  env: Record<string, string>;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /**
   * The spawner lost sight of the process (its spawn helper died or stopped answering) and
   * killed its group: `code` and `signal` say nothing about the command itself.
   */
  lost?: boolean;
}

/** The spawner's own state, for health checks. */
export interface SpawnerStats {
  /** The spawn helper's pid, while one runs. */
  helperPid?: number;
  /** Helpers that died or were killed for not answering, since the start. */
  helperRestarts: number;
  /** Milliseconds since the helper last answered its heartbeat. */
  helperSilentMs?: number;
}

/** A started process, leader of its own process group (pgid = pid). */
export interface SpawnedProcess {
  pid: number;
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the process has exited (never rejects). */
  exited: Promise<ProcessExit>;
}

/**
 * Starts processes. `spawn()` forks the calling process, and fork blocks the calling
 * thread for milliseconds that grow with its memory: the default spawner therefore runs
 * in a small helper process, off the service's event loop.
 */
export interface Spawner {
  /** Rejects with the system error (ENOENT, EACCES, …) when the process cannot start. */
  spawn(request: SpawnRequest): Promise<SpawnedProcess>;
  close(): Promise<void>;
  stats(): SpawnerStats;
}
