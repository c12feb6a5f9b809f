import type { Bindings, ChildLoggerOptions, Level, Logger, LogFn } from 'pino';

// Prototype methods, not arrow fields: one object per request, no closures.

/**
 * A request's logger (Fastify's `request.log`) that binds the request id only when a line is
 * written: most requests log nothing but their access line, so the child logger pino would
 * build per request (bindings serialised, methods rebound) is built for the few that do.
 */
export class RequestLogger {
  private bound?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
  ) {}

  get level(): string {
    return this.parent.level;
  }

  isLevelEnabled(level: Level): boolean {
    return this.parent.isLevelEnabled(level);
  }

  /** The pino child with the request's bindings, built on first use. */
  get logger(): Logger {
    return (this.bound ??= this.parent.child(this.bindings));
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }

  fatal(...args: Parameters<LogFn>): void {
    this.write('fatal', args);
  }

  error(...args: Parameters<LogFn>): void {
    this.write('error', args);
  }

  warn(...args: Parameters<LogFn>): void {
    this.write('warn', args);
  }

  info(...args: Parameters<LogFn>): void {
    this.write('info', args);
  }

  debug(...args: Parameters<LogFn>): void {
    this.write('debug', args);
  }

  trace(...args: Parameters<LogFn>): void {
    this.write('trace', args);
  }

  silent(): void {}

  private write(level: Level, args: Parameters<LogFn>): void {
    if (this.parent.isLevelEnabled(level)) this.logger[level](...args);
  }
}

/** Fastify's `childLoggerFactory`: a {@link RequestLogger} instead of an eager pino child. */
export function requestLoggerFactory(logger: Logger, bindings: Bindings): RequestLogger {
  return new RequestLogger(logger, bindings);
}
