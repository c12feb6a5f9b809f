import { Injectable, type LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { processLogger } from './process-logger';
import { requestContext } from './request-context';

/**
 * Nest's bootstrap chatter: a line per module and per route, repeated by every cluster
 * worker. Logged at debug (`LOG_LEVEL=debug` shows the route map); everything else keeps
 * the level Nest gave it.
 */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The Nest `LoggerService` of the app (`app.useLogger`): Nest's lines and `new Logger(…)` in
 * services go to the process logger, through the running request's logger when there is one
 * (its lines carry `reqId`). `context` is the Nest context; an Error becomes `err`.
 */
@Injectable()
export class AppLogger implements LoggerService {
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    const quiet = typeof context === 'string' && BOOT_CONTEXTS.has(context);
    this.write(quiet ? 'debug' : 'info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const logger = (requestContext.getStore() ?? processLogger()) as Logger;
    if (!logger.isLevelEnabled(level)) return;
    const fields: Record<string, unknown> = {};
    // Nest passes the context last.
    if (params.length > 0) fields.context = params.at(-1);
    const rest = params.slice(0, -1);
    if (message instanceof Error) {
      fields.err = message;
      logger[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...message });
    } else if (level === 'error' && rest.length === 1 && typeof rest[0] === 'string') {
      // Nest's exception handlers call error(message, stack, context).
      const err = new Error(String(message));
      err.stack = rest[0];
      logger[level]({ ...fields, err });
    } else {
      logger[level](fields, String(message), ...rest);
    }
  }
}
