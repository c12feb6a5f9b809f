export { LoggingModule } from './logging.module';
export { AppLogger } from './app-logger';
export { REQUEST_ID_HEADER } from './request-id';
export {
  createProcessLogger,
  labelProcess,
  logLine,
  processLogger,
  setProcessLogger,
  type Logger,
  type LogLine,
} from './process-logger';
