import { Inject, Injectable, type OnModuleInit, NotFoundException } from '@nestjs/common';
import { echo, echoList } from '../../common/http/messages';
import {
  childProcessConfig,
  type ChildProcessConfig,
  commandsConfig,
  type CommandsConfig,
} from '../../config';
import { ChildProcessRunner, type RunningCommand } from '../../concurrency/child-process';
import { buildArgs } from './commands.args';
import { InvalidCommandsConfigError, loadCommands } from './commands.catalog';
import type { CommandDefinition } from './commands.types';

/** The allowlist of `POST /commands/:name`, loaded and checked at boot. */
@Injectable()
export class CommandsService implements OnModuleInit {
  private commands = new Map<string, CommandDefinition>();

  constructor(
    private readonly runner: ChildProcessRunner,
    @Inject(commandsConfig.KEY) private readonly config: CommandsConfig,
    @Inject(childProcessConfig.KEY) private readonly runnerConfig: ChildProcessConfig,
  ) {}

  /** A bad file, or an executable that cannot be found, stops the service naming the entry. */
  onModuleInit(): void {
    const { file } = this.config;
    const commands = loadCommands(file);
    for (const command of commands.values()) {
      try {
        this.runner.resolveExecutable(command.executable);
      } catch (error) {
        throw new InvalidCommandsConfigError(
          file,
          `commands.${command.name}.executable`,
          `"${command.executable}" cannot be run: ${(error as Error).message}`,
        );
      }
    }
    this.commands = commands;
  }

  names(): string[] {
    return [...this.commands.keys()];
  }

  /** The allowlist as loaded: what the API docs list. */
  definitions(): CommandDefinition[] {
    return [...this.commands.values()];
  }

  /** The deadline of a run of `name`, queue wait included (0: none); the default for unknown names. */
  deadlineOf(name: string): number {
    return this.commands.get(name)?.timeoutMs ?? this.runnerConfig.timeoutMs;
  }

  /** Checks the name and parameters (404, 400) and that the runner could take the run now (503). */
  prepare(
    name: string,
    query: Record<string, unknown>,
  ): { command: CommandDefinition; args: string[] } {
    const command = this.commands.get(name);
    if (!command) {
      throw new NotFoundException(
        `Unknown command "${echo(name)}"; available: ${echoList(this.names())}`,
      );
    }
    const args = buildArgs(command, query);
    this.runner.assertAvailable();
    return { command, args };
  }

  start(
    command: CommandDefinition,
    args: string[],
    input: NodeJS.ReadableStream,
    signal: AbortSignal,
  ): Promise<RunningCommand> {
    return this.runner.stream(command.executable, args, {
      input,
      signal,
      timeoutMs: command.timeoutMs,
      maxOutputBytes: command.maxOutputBytes,
    });
  }
}
