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
