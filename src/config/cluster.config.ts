import { join } from 'node:path';
import { envBool, envInt, envIntOrAuto, envPath, InvalidEnvironmentError } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export interface ClusterConfig {
  /** Whether a primary forks workers; off runs the app in this one process. `CLUSTER_ENABLED`, default true. */
  enabled: boolean;
  /** App worker processes: an integer 1..256, or `'auto'` for the CPUs available. `CLUSTER_WORKERS`, default auto. */
  workers: number | 'auto';
  /** How long a new worker has to report ready before it is killed. `CLUSTER_WORKER_START_TIMEOUT_MS`, default 30 s. */
  workerStartTimeoutMs: number;
  /** How often each worker reports that its event loop is alive. `CLUSTER_HEARTBEAT_INTERVAL_MS`, default 1 s. */
  heartbeatIntervalMs: number;
  /** Silence after which a worker counts as hung and is killed; above the interval. `CLUSTER_HEARTBEAT_TIMEOUT_MS`, default 5 s. */
  heartbeatTimeoutMs: number;
  /** Resident memory, in MiB, above which a worker is replaced; 0 turns the check off. `CLUSTER_WORKER_MAX_RSS_MB`, default 0. */
  workerMaxRssMb: number;
  /** Delay before the first restart of a worker slot, doubled per quick exit. `CLUSTER_RESTART_BACKOFF_MS`, default 100 ms. */
  restartBackoffMs: number;
  /** Cap of the restart delay; at least the initial delay. `CLUSTER_RESTART_BACKOFF_MAX_MS`, default 10 s. */
  restartBackoffMaxMs: number;
  /** Uptime after which an exit counts as stable: backoff resets, no crash-loop strike. `CLUSTER_STABLE_UPTIME_MS`, default 10 s. */
  stableUptimeMs: number;
  /** Unstable exits inside the window that make the primary give up and exit. `CLUSTER_CRASH_LOOP_MAX_EXITS`, default 5. */
  crashLoopMaxExits: number;
  /** Sliding window of the crash-loop count. `CLUSTER_CRASH_LOOP_WINDOW_MS`, default 60 s. */
  crashLoopWindowMs: number;
  /** How long shutdown keeps serving while not ready, so load balancers stop routing here. `SHUTDOWN_DELAY_MS`, default 0. */
  shutdownDelayMs: number;
  /** How long shutdown waits for in-flight work before it stops it. `SHUTDOWN_TIMEOUT_MS`, default 10 s. */
  shutdownTimeoutMs: number;
  /**
   * Where the primary writes its pid, for `npm run reload`; `undefined` writes none.
   * `CLUSTER_PID_FILE`, default {@link DEFAULT_PID_FILE}; `off` for none.
   */
  pidFile: string | undefined;
}

/** The project's own folder, wherever the service is started from (like config/commands.json). */
export const DEFAULT_PID_FILE = join(__dirname, '..', '..', '.primary.pid');

/** `CLUSTER_PID_FILE` alone: what `npm run reload` reads to find the primary. */
export function readPidFile(env: Env = process.env): string | undefined {
  return envPath(env, 'CLUSTER_PID_FILE', DEFAULT_PID_FILE);
}

/**
 * The cluster supervisor's settings. A plain function, not a `registerAs` namespace: the
 * primary reads them before any Nest application exists. Throws
 * {@link InvalidEnvironmentError} naming the first bad variable.
 */
export function readClusterConfig(env: Env = process.env): ClusterConfig {
  // Every maximum stays far below 2^31 - 1 ms, past which Node's timers fire at once.
  const config: ClusterConfig = {
    enabled: envBool(env, 'CLUSTER_ENABLED', true),
    workers: envIntOrAuto(env, 'CLUSTER_WORKERS', { min: 1, max: 256 }),
    workerStartTimeoutMs: envInt(env, 'CLUSTER_WORKER_START_TIMEOUT_MS', {
      default: 30_000,
      min: 100,
      max: 600_000,
    }),
    heartbeatIntervalMs: envInt(env, 'CLUSTER_HEARTBEAT_INTERVAL_MS', {
      default: 1_000,
      min: 10,
      max: 60_000,
    }),
    heartbeatTimeoutMs: envInt(env, 'CLUSTER_HEARTBEAT_TIMEOUT_MS', {
      default: 5_000,
      min: 1,
      max: 600_000,
    }),
    workerMaxRssMb: envInt(env, 'CLUSTER_WORKER_MAX_RSS_MB', {
      default: 0,
      min: 0,
      max: 1_048_576,
    }),
    restartBackoffMs: envInt(env, 'CLUSTER_RESTART_BACKOFF_MS', {
      default: 100,
      min: 1,
      max: 600_000,
    }),
    restartBackoffMaxMs: envInt(env, 'CLUSTER_RESTART_BACKOFF_MAX_MS', {
      default: 10_000,
      min: 1,
      max: 600_000,
    }),
    stableUptimeMs: envInt(env, 'CLUSTER_STABLE_UPTIME_MS', {
      default: 10_000,
      min: 0,
      max: 3_600_000,
    }),
    crashLoopMaxExits: envInt(env, 'CLUSTER_CRASH_LOOP_MAX_EXITS', {
      default: 5,
      min: 1,
      max: 1_000,
    }),
    crashLoopWindowMs: envInt(env, 'CLUSTER_CRASH_LOOP_WINDOW_MS', {
      default: 60_000,
      min: 1,
      max: 86_400_000,
    }),
    shutdownDelayMs: envInt(env, 'SHUTDOWN_DELAY_MS', { default: 0, min: 0, max: 600_000 }),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', {
      default: 10_000,
      min: 0,
      max: 600_000,
    }),
    pidFile: readPidFile(env),
  };
  // A timeout at or below the interval would kill healthy workers between two beats.
  if (config.heartbeatTimeoutMs <= config.heartbeatIntervalMs) {
    throw new InvalidEnvironmentError(
      'CLUSTER_HEARTBEAT_TIMEOUT_MS',
      String(config.heartbeatTimeoutMs),
      `an integer above CLUSTER_HEARTBEAT_INTERVAL_MS (${config.heartbeatIntervalMs})`,
    );
  }
  if (config.restartBackoffMaxMs < config.restartBackoffMs) {
    throw new InvalidEnvironmentError(
      'CLUSTER_RESTART_BACKOFF_MAX_MS',
      String(config.restartBackoffMaxMs),
      `an integer not below CLUSTER_RESTART_BACKOFF_MS (${config.restartBackoffMs})`,
    );
  }
  return config;
}
