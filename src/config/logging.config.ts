import { envEnum } from './env';

type Env = Readonly<Record<string, string | undefined>>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LoggingConfig {
  /** Lowest level written. `LOG_LEVEL`, default `info`; `silent` writes nothing. */
  level: LogLevel;
  /**
   * `json`: one JSON object per line (pino). `pretty`: coloured lines for a terminal.
   * `LOG_FORMAT`, default `pretty` when stdout is a terminal and `NODE_ENV` is not
   * `production`, else `json` (containers, pipes, tests).
   */
  format: LogFormat;
}

/**
 * The logging settings. A plain function, not a `registerAs` namespace: the cluster primary
 * logs before any Nest application exists. Throws `InvalidEnvironmentError` naming the variable.
 */
export function readLoggingConfig(
  env: Env = process.env,
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): LoggingConfig {
  const interactive = stdoutIsTty && env.NODE_ENV !== 'production';
  return {
    level: envEnum(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    format: envEnum<LogFormat>(
      env,
      'LOG_FORMAT',
      ['json', 'pretty'],
      interactive ? 'pretty' : 'json',
    ),
  };
}
