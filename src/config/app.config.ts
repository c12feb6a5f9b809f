import { envInt, InvalidEnvironmentError } from './env';

export interface AppConfig {
  /** HTTP port of the service. `PORT`, default 3000. */
  port: number;
  /** How long shutdown keeps serving while not ready, so load balancers stop routing here. `SHUTDOWN_DELAY_MS`, default 0. */
  shutdownDelayMs: number;
  /** How long shutdown waits for in-flight work before it stops it. `SHUTDOWN_TIMEOUT_MS`, default 10 s. */
  shutdownTimeoutMs: number;
  /**
   * Deadline of a route that declares none of its own (the workloads declare theirs): past it
   * plus a grace, the request is answered 504. `HTTP_REQUEST_DEADLINE_MS`, default 30 s.
   */
  requestDeadlineMs: number;
  /**
   * V8's old-generation growing factor, as 1 + this / 100, for each app process and its
   * threads; 0 keeps V8's own adaptive factor. `HEAP_GROWING_PERCENT`, 0 or 10 to 300 (V8's
   * own factors run from 1.1 to 4), default 200.
   */
  heapGrowingPercent: number;
}

export const readAppConfig = (): AppConfig => ({
  port: envInt(process.env, 'PORT', { default: 3000, min: 0, max: 65_535 }),
  shutdownDelayMs: envInt(process.env, 'SHUTDOWN_DELAY_MS', { default: 0, min: 0, max: 600_000 }),
  shutdownTimeoutMs: envInt(process.env, 'SHUTDOWN_TIMEOUT_MS', {
    default: 10_000,
    min: 0,
    max: 600_000,
  }),
  requestDeadlineMs: envInt(process.env, 'HTTP_REQUEST_DEADLINE_MS', {
    default: 30_000,
    min: 1,
    max: 3_600_000,
  }),
  heapGrowingPercent: heapGrowingPercent(process.env),
});

/** 0, or a factor within V8's own range (1.1 to 4): 10 to 300. */
function heapGrowingPercent(env: NodeJS.ProcessEnv): number {
  const name = 'HEAP_GROWING_PERCENT';
  const refuse = (value: string) =>
    new InvalidEnvironmentError(name, value, "0 (V8's own factor) or an integer from 10 to 300");
  let percent: number;
  try {
    percent = envInt(env, name, { default: 200, min: 0, max: 300 });
  } catch (error) {
    throw error instanceof InvalidEnvironmentError ? refuse(error.value) : error;
  }
  if (percent > 0 && percent < 10) throw refuse(String(percent));
  return percent;
}
