/**
 * Logging for every process: the primary, each app worker (and its requests, through Nest's
 * LoggerService), and the one process with CLUSTER_ENABLED=false. Every line is JSON with
 * `pid` and `worker` (the app worker's slot, `primary`, or `main` for the one process), or
 * pretty text.
 *
 * Runs in: the primary and the app workers; pool threads and spawn helpers do not log.
 *
 * @packageDocumentation
 */
export { LoggingModule } from './logging.module';
export { AppLogger } from './app-logger';
export { REQUEST_ID_HEADER, requestIdOf } from './request-id';
export { requestLoggerFactory } from './request-logger';
export {
  createProcessLogger,
  labelProcess,
  logLine,
  processLogger,
  setProcessLogger,
  type Logger,
  type LogLine,
  type LogRecord,
} from './process-logger';
