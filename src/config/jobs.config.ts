import { envInt, envIntOrAuto, InvalidEnvironmentError } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export interface JobsConfig {
  /**
   * The Redis the job queue lives in: `redis://[:password@]host:port[/db]`, or `rediss://`
   * for TLS. `REDIS_URL`, default unset: async jobs are off, `/jobs` answers 501.
   */
  redisUrl?: string;
  /** Jobs that may wait in the queue (all instances); past it, 503. `JOBS_MAX_WAITING`, default 1000. */
  maxWaiting: number;
  /** Tries of a job that fails (exponential backoff from 1 s between them). `JOBS_ATTEMPTS`, default 3. */
  attempts: number;
  /** How long a finished job's record and result are kept. `JOBS_RESULT_TTL_S`, default 1 day. */
  resultTtlS: number;
  /** Largest result a job may store; a larger one fails the job. `JOBS_MAX_RESULT_BYTES`, default 32 MiB. */
  maxResultBytes: number;
  /** Jobs one app process runs at once; `auto` = half the pool threads, at least 1. `JOBS_CONCURRENCY`. */
  concurrency: number | 'auto';
  /**
   * How long a job's lock lives without renewal: a process that died (SIGKILL, OOM) holding a
   * job gives it back to the queue within about twice this. `JOBS_STALLED_INTERVAL_MS`, default 30 s.
   */
  stalledIntervalMs: number;
}

/** `REDIS_URL`, checked to be a redis:// or rediss:// URL; undefined when unset or empty. */
export function readRedisUrl(env: Env = process.env): string | undefined {
  const value = env.REDIS_URL?.trim();
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
    // The value may hold a password: name the variable, not what it holds.
    throw new InvalidEnvironmentError(
      'REDIS_URL',
      '(hidden)',
      'redis://[:password@]host[:port][/db] or rediss://… for TLS',
    );
  }
  return value;
}

export function readJobsConfig(env: Env = process.env): JobsConfig {
  return {
    redisUrl: readRedisUrl(env),
    maxWaiting: envInt(env, 'JOBS_MAX_WAITING', { default: 1000, min: 1, max: 10_000_000 }),
    attempts: envInt(env, 'JOBS_ATTEMPTS', { default: 3, min: 1, max: 100 }),
    resultTtlS: envInt(env, 'JOBS_RESULT_TTL_S', { default: 86_400, min: 1, max: 31_536_000 }),
    maxResultBytes: envInt(env, 'JOBS_MAX_RESULT_BYTES', {
      default: 32 * 1024 * 1024,
      min: 1,
      max: 512 * 1024 * 1024,
    }),
    concurrency: envIntOrAuto(env, 'JOBS_CONCURRENCY', { min: 1, max: 256 }),
    stalledIntervalMs: envInt(env, 'JOBS_STALLED_INTERVAL_MS', {
      default: 30_000,
      min: 500,
      max: 600_000,
    }),
  };
}

/** `auto`: half the pool's threads, at least 1, so jobs never take every thread from requests. */
export function jobConcurrency(config: JobsConfig, poolThreads: number): number {
  return config.concurrency === 'auto'
    ? Math.max(1, Math.floor(poolThreads / 2))
    : config.concurrency;
}
