import type { Readable } from 'node:stream';
import { InvalidCommandError } from './child-process.errors';

/** Options of one `ChildProcessRunner.run` / `stream` call; limits default to the module's. */
export interface RunCommandOptions {
  /**
   * Piped to the command's stdin, which is closed once it is written (and at once when
   * `input` is undefined). A command that exits without reading all of it (`head -c1`) is
   * not an error. A stream is not drained or destroyed by the runner when the command stops
   * reading; if the stream fails, the command is aborted rather than fed truncated input.
   */
  input?: Buffer | string | NodeJS.ReadableStream;
  /** Working directory. Default: the service's. */
  cwd?: string;
  /**
   * Variables added to the allowlisted ones (`envAllowlist`, read from the service's
   * environment). The child never gets a copy of the service's environment.
   */
  env?: Record<string, string>;
  /** Deadline, queue wait included; 0 disables it. Default: the module's `timeoutMs`. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL to the group. Default: the module's `killGraceMs`. */
  killGraceMs?: number;
  /** Bytes of stdout allowed. Default: the module's `maxOutputBytes`. */
  maxOutputBytes?: number;
  /** Inactivity timeout (no stdout or stderr); 0 disables it. Default: the module's. */
  idleTimeoutMs?: number;
  /** Cancels the command: a queued one leaves the queue, a running one's group is killed. */
  signal?: AbortSignal;
}

/** What a successful `run` resolves to. */
export interface CommandResult {
  /** Always 0: any other exit rejects with `CommandFailedError`. */
  exitCode: number;
  stdout: Buffer;
  /** The last `maxStderrBytes` of stderr. */
  stderr: Buffer;
  /** Milliseconds from spawn until the process and its group were gone. */
  durationMs: number;
}

/** A spawned command whose stdout is read as a stream; see `ChildProcessRunner.stream`. */
export interface RunningCommand {
  pid: number;
  /**
   * The command's stdout, counted against `maxOutputBytes` as it is read. It ends only once
   * the command succeeded; if the run fails it is destroyed with the same error `result`
   * rejects with, so a pipeline into an HTTP response fails instead of looking complete.
   * Consume or destroy it: destroying it before its end aborts the command.
   */
  stdout: Readable;
  /** Settles when the process and its group are gone; rejects with the typed errors. */
  result: Promise<Omit<CommandResult, 'stdout'>>;
}

/** Throws `InvalidCommandError` unless every argument, env entry and cwd is a NUL-free string. */
export function assertValidCommand(
  executable: string,
  args: readonly string[],
  options: Pick<RunCommandOptions, 'cwd' | 'env'>,
): void {
  // The types say string, but the values may come from JSON or query strings.
  if (!Array.isArray(args)) throw new InvalidCommandError(executable, 'args must be an array');
  args.forEach((arg: unknown, index) => {
    if (!isCString(arg)) {
      throw new InvalidCommandError(executable, `argument ${index} is not a NUL-free string`);
    }
  });
  if (options.cwd !== undefined && !isCString(options.cwd)) {
    throw new InvalidCommandError(executable, 'cwd is not a NUL-free string');
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (key === '' || key.includes('=') || !isCString(key) || !isCString(value)) {
      throw new InvalidCommandError(executable, `env entry ${JSON.stringify(key)} is invalid`);
    }
  }
}

/** What execve can take: a string without NUL bytes. */
function isCString(value: unknown): value is string {
  return typeof value === 'string' && !value.includes('\0');
}

/** The child's environment: the allowlisted variables of `source`, then the caller's. */
export function buildCommandEnv(
  allowlist: readonly string[],
  extra: Record<string, string> = {},
  source: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  // No prototype: a "__proto__" key from parsed JSON stays a plain entry.
  const env = Object.create(null) as Record<string, string>;
  for (const name of allowlist) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) env[name] = value;
  return env;
}
