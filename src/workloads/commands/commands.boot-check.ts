import { readCommandsConfig } from '../../config/commands.config';
import { loadCommands } from './commands.catalog';

/**
 * Run by the supervising process before anything forks (src/workloads/boot-checks.ts): the
 * allowlist COMMANDS_CONFIG names is read and checked as CommandsService loads it, so a
 * missing or malformed file stops the service with one line, not once per app worker.
 * Whether each executable can be found is left to the app worker, whose PATH runs them.
 * Loads no Nest.
 */
export function bootCheck(): void {
  loadCommands(readCommandsConfig().file);
}
