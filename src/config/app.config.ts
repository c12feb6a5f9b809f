import { registerAs } from '@nestjs/config';
import { envInt } from './env';

export interface AppConfig {
  /** HTTP port of the service. `PORT`, default 3000. */
  port: number;
  /** How long shutdown waits for in-flight work before it stops it. `SHUTDOWN_TIMEOUT_MS`, default 10 s. */
  shutdownTimeoutMs: number;
}

export const appConfig = registerAs('app', (): AppConfig => ({
  port: envInt(process.env, 'PORT', { default: 3000, min: 0, max: 65_535 }),
  shutdownTimeoutMs: envInt(process.env, 'SHUTDOWN_TIMEOUT_MS', {
    default: 10_000,
    min: 0,
    max: 600_000,
  }),
}));
