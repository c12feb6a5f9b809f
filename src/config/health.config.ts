import { envInt, envIntOrAuto } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export interface HealthConfig {
  /** Port of the probe server (health probes and metrics); 0 turns it off. `HEALTH_PORT`, default 9000. */
  port: number;
  /** Ready workers needed for readiness: `auto` = all but one on 2 or more workers, at least 1. `HEALTH_READY_MIN_WORKERS`, default auto. */
  readyMinWorkers: number | 'auto';
  /** How long readiness must have failed before it answers 503 (and held before it answers 200 again). `HEALTH_READY_HYSTERESIS_MS`, default 2 s. */
  readyHysteresisMs: number;
  /** How long a scrape waits for each worker's metrics. `HEALTH_SCRAPE_TIMEOUT_MS`, default 500 ms. */
  scrapeTimeoutMs: number;
}

/** The probe server's settings: a plain function, read by the primary before Nest exists. */
export function readHealthConfig(env: Env = process.env): HealthConfig {
  return {
    port: envInt(env, 'HEALTH_PORT', { default: 9000, min: 0, max: 65_535 }),
    readyMinWorkers: envIntOrAuto(env, 'HEALTH_READY_MIN_WORKERS', { min: 1, max: 256 }),
    readyHysteresisMs: envInt(env, 'HEALTH_READY_HYSTERESIS_MS', {
      default: 2_000,
      min: 0,
      max: 600_000,
    }),
    scrapeTimeoutMs: envInt(env, 'HEALTH_SCRAPE_TIMEOUT_MS', {
      default: 500,
      min: 10,
      max: 60_000,
    }),
  };
}

/** `auto`: all but one worker on 2 or more, at least 1; never more than there are. */
export function minReadyWorkers(config: HealthConfig, workers: number): number {
  if (config.readyMinWorkers === 'auto') return Math.max(1, workers >= 2 ? workers - 1 : 1);
  return Math.min(config.readyMinWorkers, workers);
}
