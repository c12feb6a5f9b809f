import { ClosedError, QueueFullError, TimedOutError } from '../admission';
import { adoptIntoFamily, ConcurrencyError } from '../concurrency.errors';
import { ChildProcessMessages } from './child-process.messages';

/** What is known about the command an error is about. */
export interface CommandDetails {
  /** The executable as the caller named it (not the resolved path). */
  executable: string;
  args: readonly string[];
  /** Set once the process was spawned. */
  pid?: number;
  /** Milliseconds from spawn until the process and its group were gone. */
  durationMs?: number;
}

/** The fields of {@link CommandDetails} an error carries, each set (maybe to undefined). */
function detailsOf(details?: Partial<CommandDetails>): Partial<CommandDetails> {
  const { executable, args, pid, durationMs } = details ?? {};
  return { executable, args, pid, durationMs };
}

/**
 * Base of every error ChildProcessRunner raises. `instanceof` holds for all of them, also
 * the three that extend a shared admission base (queue full, closed, timed out).
 */
export abstract class ChildProcessError extends ConcurrencyError {
  readonly executable?: string;
  readonly args?: readonly string[];
  readonly pid?: number;
  readonly durationMs?: number;

  constructor(message: string, details?: Partial<CommandDetails>, options?: ErrorOptions) {
    super(message, options);
    Object.assign(this, detailsOf(details));
  }
}

/** The command exited with a non-zero code, or a signal it did not get from us killed it. */
export class CommandFailedError extends ChildProcessError {
  declare readonly executable: string;

  constructor(
    details: CommandDetails,
    /** Null when a signal ended the process. */
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The last ≤ 1 KiB of stderr, as UTF-8. */
    readonly stderrTail: string,
  ) {
    super(ChildProcessMessages.failed(details.executable, exitCode, signal), details);
  }
}

/**
 * The deadline passed (queue wait included), or, with `idle`, the command went silent.
 * `timeoutMs` is the limit that was hit: `timeoutMs`, or `idleTimeoutMs` when `idle`.
 */
export class CommandTimedOutError extends TimedOutError {
  readonly executable!: string;
  readonly args?: readonly string[];
  readonly pid?: number;
  readonly durationMs?: number;

  constructor(
    details: CommandDetails,
    timeoutMs: number,
    readonly idle: boolean,
    /** The signal that ended the process; null if it timed out in the queue. */
    readonly signal: string | null = null,
  ) {
    super(
      idle
        ? ChildProcessMessages.idle(details.executable, timeoutMs)
        : ChildProcessMessages.timedOut(details.executable, timeoutMs),
      timeoutMs,
    );
    Object.assign(this, detailsOf(details));
  }
}

/** stdout passed `maxOutputBytes`; the process group was killed. */
export class CommandOutputTooLargeError extends ChildProcessError {
  declare readonly executable: string;

  constructor(
    details: CommandDetails,
    readonly maxOutputBytes: number,
  ) {
    super(ChildProcessMessages.outputTooLarge(details.executable, maxOutputBytes), details);
  }
}

/** The caller's signal aborted the command (or its input stream failed, or its consumer left). */
export class CommandAbortedError extends ChildProcessError {
  declare readonly executable: string;

  constructor(details: CommandDetails, options?: ErrorOptions) {
    super(ChildProcessMessages.aborted(details.executable), details, options);
  }
}

/**
 * The runner's own fault, not the command's: the spawn helper that started or watched it
 * died or stopped answering, and its group was killed. Retrying is safe.
 */
export class SpawnHelperLostError extends ChildProcessError {
  declare readonly executable: string;
  override readonly retryAfterSeconds = 1;

  constructor(details: CommandDetails, options?: ErrorOptions) {
    super(ChildProcessMessages.helperLost(details.executable), details, options);
  }
}

/** spawn() failed: `cause` is Node's error (ENOENT for a missing `cwd`, EACCES, EAGAIN…). */
export class CommandSpawnError extends ChildProcessError {
  declare readonly executable: string;
  /** The errno code of `cause`, e.g. `ENOENT`. */
  readonly code?: string;

  constructor(details: CommandDetails, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    super(ChildProcessMessages.spawnFailed(details.executable, code ?? 'unknown error'), details, {
      cause,
    });
    this.code = code;
  }
}

/** The executable is not an executable file at that absolute path, nor on PATH. */
export class ExecutableNotFoundError extends ChildProcessError {
  declare readonly executable: string;

  constructor(executable: string, reason = 'was not found on PATH') {
    super(ChildProcessMessages.notFound(executable, reason), { executable });
  }
}

/** The module has an `allowedExecutables` list and this executable is not on it. */
export class ExecutableNotAllowedError extends ChildProcessError {
  declare readonly executable: string;

  constructor(executable: string) {
    super(ChildProcessMessages.notAllowed(executable), { executable });
  }
}

/** An argument, env entry or cwd is not a string, or holds a NUL byte. */
export class InvalidCommandError extends ChildProcessError {
  declare readonly executable: string;

  constructor(
    executable: string,
    readonly reason: string,
  ) {
    super(ChildProcessMessages.invalid(executable, reason), { executable });
  }
}

/** The bounded queue is full: push back instead of building a backlog. */
export class CommandQueueFullError extends QueueFullError {
  constructor(maxQueue: number, retryAfterSeconds = 1) {
    super(ChildProcessMessages.queueFull(maxQueue), maxQueue, retryAfterSeconds);
  }
}

/** The runner is shutting down: it refuses new commands and stops those left at its deadline. */
export class RunnerClosedError extends ClosedError {
  readonly executable?: string;
  readonly args?: readonly string[];
  readonly pid?: number;
  readonly durationMs?: number;

  constructor(details?: CommandDetails) {
    super(ChildProcessMessages.closed());
    Object.assign(this, detailsOf(details));
  }
}

adoptIntoFamily(ChildProcessError, [
  CommandTimedOutError,
  CommandQueueFullError,
  RunnerClosedError,
]);
