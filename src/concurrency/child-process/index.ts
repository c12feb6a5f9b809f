/**
 * The child process runner's public API: import from here, not from the files behind it.
 * `ChildProcessModule.forRoot` / `forRootAsync` provides `ChildProcessRunner`, which runs
 * programs without a shell, bounded in time, output and concurrency.
 *
 * Runs in: the app worker. The commands it starts are processes of their own, forked by the
 * app worker's spawn helper (src/concurrency/spawn).
 *
 * @packageDocumentation
 */
export { ChildProcessModule } from './child-process.module';
export { ChildProcessRunner } from './child-process.runner';
export { ChildProcessHealthIndicator } from './child-process.health';
export { type ChildProcessModuleOptions, DEFAULT_ENV_ALLOWLIST } from './child-process.options';
export { type ChildProcessStats, type RunningProcessStats } from './child-process.stats';
export { type CommandResult, type RunCommandOptions, type RunningCommand } from './command';
export {
  ChildProcessError,
  CommandAbortedError,
  type CommandDetails,
  CommandFailedError,
  CommandOutputTooLargeError,
  CommandQueueFullError,
  CommandSpawnError,
  CommandTimedOutError,
  ExecutableNotAllowedError,
  ExecutableNotFoundError,
  InvalidCommandError,
  RunnerClosedError,
  SpawnHelperLostError,
} from './child-process.errors';
export { ConcurrencyError } from '../concurrency.errors';
export { ClosedError, QueueFullError, TimedOutError } from '../admission';
