import { join, resolve } from 'node:path';
import { envInt } from './env';

export interface CommandsConfig {
  /** The allowlist of `POST /commands/:name`. `COMMANDS_CONFIG`, default the project's config/commands.json. */
  file: string;
  /** Largest request body streamed to a command's stdin. `CHILD_PROCESS_MAX_INPUT_BYTES`, default 10 MiB. */
  maxInputBytes: number;
}

export const readCommandsConfig = (): CommandsConfig => ({
  // The default is the project's own file, wherever the service is started from; a path in
  // COMMANDS_CONFIG is taken relative to the working directory, as a user would expect.
  file: process.env.COMMANDS_CONFIG?.trim()
    ? resolve(process.env.COMMANDS_CONFIG.trim())
    : join(__dirname, '..', '..', 'config', 'commands.json'),
  maxInputBytes: envInt(process.env, 'CHILD_PROCESS_MAX_INPUT_BYTES', {
    default: 10 * 1024 * 1024,
    min: 0,
    max: 16 * 1024 * 1024 * 1024,
  }),
});
