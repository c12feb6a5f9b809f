import { Injectable } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/**
 * Nest's bootstrap chatter: a line per module and per route, repeated by every cluster
 * worker. Logged at debug (`LOG_LEVEL=debug` shows the route map); everything else keeps
 * the level Nest gave it.
 */
const BOOT_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** The Nest `LoggerService` of the app (`app.useLogger`): nestjs-pino's, quieter at boot. */
@Injectable()
export class AppLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
      return;
    }
    super.log(message, ...optionalParams);
  }
}
