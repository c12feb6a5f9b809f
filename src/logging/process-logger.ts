import cluster from 'node:cluster';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import { type LoggingConfig, readLoggingConfig } from '../config/logging.config';

/*
 * The one pino logger of this process. Kept free of Nest so the cluster primary can log
 * through it without loading the app; in an app process, LoggingModule hands the same
 * instance to Nest and pino-http, so every line shares one destination and one format.
 */

export type { Logger } from 'pino';

/**
 * A line with fields: programs (tests, benchmarks, log queries) match the fields, such as
 * `event`; people read `msg`.
 */
export interface LogRecord {
  msg: string;
  [field: string]: unknown;
}

/** What the cluster code logs through: a line of text or a record, at a level (`info` by default). */
export type LogLine = (line: string | LogRecord, level?: 'info' | 'warn' | 'error') => void;

export interface ProcessLoggerOptions {
  /**
   * The `worker` field of every line: the cluster slot (`"1"`, `"2"`…), `"primary"`, or
   * `"main"` for a single process.
   */
  worker: string;
  /** Default: read from `LOG_LEVEL` and `LOG_FORMAT` (falls back to the defaults if invalid). */
  config?: LoggingConfig;
  /** Default: stdout (JSON), or a pino-pretty stream on stdout (pretty). */
  destination?: DestinationStream;
  /**
   * Lines may name another process in their own `pid` (the cluster primary's events name the
   * app worker they are about): this process's pid then goes only on lines without one, so
   * no line carries two `pid` keys. Default false: every line has this process's pid.
   */
  linesMayNamePid?: boolean;
}

/** A pino logger whose every line carries `pid` and `worker`. */
export function createProcessLogger(options: ProcessLoggerOptions): Logger {
  const config = options.config ?? loggingConfigOrDefaults();
  const ownPid = options.linesMayNamePid ? {} : { pid: process.pid };
  return pino(
    {
      level: config.level,
      // No hostname: the platform (a pod, a container) already tags every line with it.
      base: { ...ownPid, worker: options.worker },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        ...(options.linesMayNamePid && {
          log: (fields: Record<string, unknown>) =>
            'pid' in fields ? fields : { pid: process.pid, ...fields },
        }),
      },
      // Access lines build their `req` and `res` fields themselves (method, path, remote
      // address; status): these win over the serializers Fastify would add, which would
      // read a whole request and reply.
      serializers: { req: keep, res: keep },
    },
    options.destination ?? (config.format === 'pretty' ? prettyStream() : pino.destination(1)),
  );
}

const keep = (value: unknown) => value;

let current: Logger | undefined;

/**
 * The logger of this process, created on first use: `worker` is `CLUSTER_WORKER_ID` in a
 * cluster worker (the primary sets it per slot), else `"main"` until {@link labelProcess}
 * names the process otherwise.
 */
export function processLogger(): Logger {
  return (current ??= createProcessLogger({ worker: defaultWorkerLabel() }));
}

/**
 * Names this process's role on every following line (the cluster primary: `"primary"`,
 * whose events carry the pid of the app worker they are about).
 */
export function labelProcess(worker: string, options: { linesMayNamePid?: boolean } = {}): void {
  setProcessLogger(createProcessLogger({ worker, ...options }));
}

/** Replaces the process logger: a test capturing lines, or an app bringing its own pino. */
export function setProcessLogger(logger: Logger): void {
  current = logger;
}

/** A {@link LogLine} over the process logger. */
export const logLine: LogLine = (line, level = 'info') => {
  if (typeof line === 'string') {
    processLogger()[level](line);
    return;
  }
  const { msg, ...fields } = line;
  processLogger()[level](fields, msg);
};

function defaultWorkerLabel(): string {
  if (!cluster.isWorker) return 'main';
  return process.env.CLUSTER_WORKER_ID ?? String(cluster.worker?.id ?? 'worker');
}

/**
 * An invalid LOG_* variable must still be reported, through a logger: ClusterBootstrap
 * validates them with the rest of the configuration and fails to start with that message.
 */
function loggingConfigOrDefaults(): LoggingConfig {
  try {
    return readLoggingConfig();
  } catch {
    return readLoggingConfig({});
  }
}

/**
 * Human-readable lines for development. pino-pretty runs in this thread, synchronously (no
 * transport thread: the CPU budget counts threads), and is loaded only when asked for.
 */
function prettyStream(): DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require('pino-pretty') as typeof PinoPretty;
  return pretty.build({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,worker,context,reqId',
    messageFormat: '{worker}/{pid} {if context}[{context}] {end}{if reqId}({reqId}) {end}{msg}',
  });
}
