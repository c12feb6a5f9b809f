import { envInt } from './env';

export interface ChildProcessConfig {
  /** Commands running at once. `CHILD_PROCESS_MAX_CONCURRENCY`, default 4. */
  maxConcurrency: number;
  /** Commands that may wait; past it, 503. `CHILD_PROCESS_MAX_QUEUE`, default 64. */
  maxQueue: number;
  /** Default deadline of a command. `CHILD_PROCESS_TIMEOUT_MS`, default 30 s. */
  timeoutMs: number;
  /** Between SIGTERM and SIGKILL to a command's process group. `CHILD_PROCESS_KILL_GRACE_MS`, default 2 s. */
  killGraceMs: number;
  /** Default cap on a command's stdout. `CHILD_PROCESS_MAX_OUTPUT_BYTES`, default 10 MiB. */
  maxOutputBytes: number;
  /** How long shutdown lets commands finish. `SHUTDOWN_TIMEOUT_MS`, default 10 s. */
  shutdownTimeoutMs: number;
}

export const readChildProcessConfig = (): ChildProcessConfig => ({
  maxConcurrency: envInt(process.env, 'CHILD_PROCESS_MAX_CONCURRENCY', {
    default: 4,
    min: 1,
    max: 1024,
  }),
  maxQueue: envInt(process.env, 'CHILD_PROCESS_MAX_QUEUE', { default: 64, min: 0, max: 100_000 }),
  timeoutMs: envInt(process.env, 'CHILD_PROCESS_TIMEOUT_MS', {
    default: 30_000,
    min: 1,
    max: 3_600_000,
  }),
  killGraceMs: envInt(process.env, 'CHILD_PROCESS_KILL_GRACE_MS', {
    default: 2_000,
    min: 0,
    max: 600_000,
  }),
  maxOutputBytes: envInt(process.env, 'CHILD_PROCESS_MAX_OUTPUT_BYTES', {
    default: 10 * 1024 * 1024,
    min: 1,
    max: 16 * 1024 * 1024 * 1024,
  }),
  shutdownTimeoutMs: envInt(process.env, 'SHUTDOWN_TIMEOUT_MS', {
    default: 10_000,
    min: 0,
    max: 600_000,
  }),
});
