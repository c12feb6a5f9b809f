import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Executor, RunLane } from '../admission';
import { HelperProcessSpawner, SpawnHostExitedError } from '../spawn/helper-process.spawner';
import { InProcessSpawner } from '../spawn/in-process.spawner';
import type { Spawner } from '../spawn/spawner';
import {
  CommandAbortedError,
  type CommandDetails,
  CommandFailedError,
  CommandOutputTooLargeError,
  CommandQueueFullError,
  CommandSpawnError,
  CommandTimedOutError,
  RunnerClosedError,
  SpawnHelperLostError,
} from './child-process.errors';
import { CHILD_PROCESS_OPTIONS } from './child-process.module-definition';
import {
  type ChildProcessModuleOptions,
  resolveChildProcessOptions,
  type ResolvedChildProcessOptions,
} from './child-process.options';
import { type ChildProcessStats } from './child-process.stats';
import { type ChildExit, ChildRun, type StopReason } from './child-run';
import { CommandRun } from './command-run';
import {
  assertValidCommand,
  buildCommandEnv,
  type CommandResult,
  type RunCommandOptions,
  type RunningCommand,
} from './command';
import { ExecutableResolver } from './executable';
import { utf8Tail } from './tail-buffer';

type Limits = Required<
  Pick<RunCommandOptions, 'timeoutMs' | 'killGraceMs' | 'maxOutputBytes' | 'idleTimeoutMs'>
>;

/** Bytes of stderr an error carries in `stderrTail`. */
const STDERR_TAIL_BYTES = 1024;
const noop = () => undefined;

/**
 * Runs external programs the way a careful operator would: never through a shell, with
 * executables resolved once to absolute paths (optionally from an allowlist), an environment
 * built from an allowlist, a concurrency limit with a bounded FIFO queue, a deadline, an
 * output cap, and the whole process group killed (SIGTERM, then SIGKILL) when a command is
 * stopped. A command's slot is held until its process and its group are gone.
 *
 * Children lead their own process groups, so a signal to the service's group (Ctrl-C in a
 * terminal) does not reach them: the shutdown hooks below are what stops them when the
 * application closes (SIGTERM with shutdown hooks enabled). If Node dies abruptly
 * (SIGKILL, a crash) nothing in-process can act; a supervisor that kills the whole cgroup
 * (a container, systemd's KillMode=control-group) covers that. A descendant that leaves its
 * group on purpose (setsid, a daemon) escapes the group kill.
 */
@Injectable()
export class ChildProcessRunner extends Executor implements OnModuleInit, OnApplicationShutdown {
  private readonly options: ResolvedChildProcessOptions;
  private readonly lane: RunLane<CommandRun>;
  private readonly executables: ExecutableResolver;
  private readonly spawner: Spawner;
  /** Accepted runs not yet settled, queued ones included. */
  private readonly inflight = new Set<Promise<unknown>>();
  /** Each accepted run, wherever it is (queued, spawning, running), for shutdown to stop. */
  private readonly runs = new Set<CommandRun>();
  private readonly processes = new Map<number, { executable: string; startedAt: number }>();
  private killed = 0;

  constructor(@Inject(CHILD_PROCESS_OPTIONS) options: ChildProcessModuleOptions) {
    const resolved = resolveChildProcessOptions(options);
    super(ChildProcessRunner.name, resolved);
    this.options = resolved;
    this.lane = new RunLane(this.options.maxConcurrency);
    this.executables = new ExecutableResolver(this.options.allowedExecutables);
    // A helper process starts on its first spawn.
    this.spawner =
      this.options.spawner === 'helper-process'
        ? new HelperProcessSpawner({
            heartbeatMs: 1_000,
            unresponsiveMs: 3_000,
            onLost: ({ pid, reason, commands }) =>
              this.logger.warn(
                `Spawn helper (pid ${pid}) ${reason}: killed it and failed its ${commands} ` +
                  'commands; the next command starts a new one',
              ),
          })
        : new InProcessSpawner();
  }

  onModuleInit(): void {
    const { maxConcurrency, maxQueue, allowedExecutables } = this.options;
    this.logger.log(
      `Child process runner started: ${maxConcurrency} at once, queue ${maxQueue}, ` +
        (allowedExecutables
          ? `${allowedExecutables.length} allowed executables`
          : 'any executable'),
    );
  }

  /**
   * Runs `executable` with `args` (an argv array: no shell ever sees them) and resolves once
   * it exited with code 0 and its process group is gone.
   *
   * Rejects at once with `InvalidCommandError`, `ExecutableNotFoundError`,
   * `ExecutableNotAllowedError`, `CommandQueueFullError` or `RunnerClosedError`; later with
   * `CommandFailedError` (non-zero exit or killed by a signal), `CommandTimedOutError`
   * (deadline or idle timeout), `CommandOutputTooLargeError`, `CommandAbortedError`,
   * `CommandSpawnError`, `SpawnHelperLostError` (the spawn helper died or stopped answering;
   * retrying is safe), or `RunnerClosedError` when shutdown stopped it. A stopped command
   * settles only once its group is gone, up to `killGraceMs` after the stop.
   */
  async run(
    executable: string,
    args: readonly string[],
    options: RunCommandOptions = {},
  ): Promise<CommandResult> {
    return this.submit(executable, args, options, 'buffer');
  }

  /**
   * Like {@link run}, but resolves as soon as the command is spawned (after its wait in the
   * queue) and hands out its stdout as a stream, so large outputs are never buffered whole.
   * `result` settles like `run` would; on failure `stdout` is destroyed with the same error.
   * A rejection of `result` nobody awaits is not an unhandled rejection.
   */
  async stream(
    executable: string,
    args: readonly string[],
    options: RunCommandOptions = {},
  ): Promise<RunningCommand> {
    let onSpawn!: (child: ChildRun) => void;
    const spawned = new Promise<ChildRun>((resolve) => (onSpawn = resolve));
    const result = this.submit(executable, args, options, 'stream', onSpawn).then(
      ({ exitCode, stderr, durationMs }) => ({ exitCode, stderr, durationMs }),
    );
    // A caller that only pipes stdout sees the error there; for it, a rejection of `result`
    // must not be an unhandled one (which would end the process).
    result.catch(noop);
    // `result` can only settle first by failing before the spawn.
    const child = await Promise.race([spawned, result.then(() => spawned)]);
    return { pid: child.pid, stdout: child.output!, result };
  }

  /**
   * Throws what `run` would throw at once if called now (`CommandQueueFullError`,
   * `RunnerClosedError`). Lets a caller refuse a request before reading its input.
   */
  assertAvailable(): void {
    const refused = this.refusal(this.lane.mustWait, this.lane.queued);
    if (refused) throw refused;
  }

  /**
   * The absolute path `name` runs, resolved on first use (an absolute path must be an
   * executable file; a bare name is searched on PATH) and cached. Throws
   * `ExecutableNotFoundError` or, with `allowedExecutables`, `ExecutableNotAllowedError`.
   */
  resolveExecutable(name: string): string {
    return this.executables.resolve(name);
  }

  /** A point-in-time picture of the runner, for health checks and metrics. Cheap; never throws. */
  stats(): ChildProcessStats {
    const now = Date.now();
    return {
      ...this.admissionStats(),
      running: [...this.processes].map(([pid, { executable, startedAt }]) => ({
        pid,
        executable,
        ageMs: now - startedAt,
      })),
      queued: this.lane.queued,
      maxConcurrency: this.options.maxConcurrency,
      maxQueue: this.options.maxQueue,
      killed: this.killed,
      spawner: this.spawner.stats(),
    };
  }

  /**
   * Lets accepted commands finish within `shutdownTimeoutMs` (queued ones start as slots
   * free up), then kills the groups of those still running and rejects those still queued
   * with `RunnerClosedError`. Resolves only once every child and its group are gone.
   */
  async onApplicationShutdown(): Promise<void> {
    const drained = await this.drain(() => this.inflight.size, this.inflight, 'commands');
    if (!drained) {
      this.logger.warn(`Shutdown: stopping ${this.runs.size} commands at the timeout`);
      for (const run of [...this.runs]) run.abort({ kind: 'closed' });
      await Promise.allSettled([...this.inflight]);
    }
    await this.spawner.close();
  }

  protected queueFullError(maxQueue: number, retryAfterSeconds: number): CommandQueueFullError {
    return new CommandQueueFullError(maxQueue, retryAfterSeconds);
  }

  protected closedError(): RunnerClosedError {
    return new RunnerClosedError();
  }

  private async submit(
    executable: string,
    args: readonly string[],
    options: RunCommandOptions,
    mode: 'buffer' | 'stream',
    onSpawn?: (child: ChildRun) => void,
  ): Promise<CommandResult> {
    assertValidCommand(executable, args, options);
    const path = this.resolveExecutable(executable);
    this.assertAvailable();
    const command = { executable, args: [...args] };
    const result = this.execute(command, path, options, mode, onSpawn);
    this.inflight.add(result);
    const forget = () => this.inflight.delete(result);
    result.then(forget, forget);
    return result;
  }

  private async execute(
    command: CommandDetails,
    path: string,
    options: RunCommandOptions,
    mode: 'buffer' | 'stream',
    onSpawn?: (child: ChildRun) => void,
  ): Promise<CommandResult> {
    const limits = this.limitsOf(options);
    const run = new CommandRun(limits.timeoutMs, options.signal, this.lane);
    run.arm();
    this.runs.add(run);
    try {
      const queuedAt = performance.now();
      if (!(await run.admit())) throw this.stopError(run.reason!, command, limits);
      this.waitTime.record(performance.now() - queuedAt);
      try {
        // Stopped just as its turn came.
        if (run.reason) throw this.stopError(run.reason, command, limits);
        const child = await this.spawn(command, path, options, limits, mode);
        run.spawned(child);
        onSpawn?.(child);
        const exit = await this.supervise(child, command.executable);
        const error = this.exitError(exit, { ...command, pid: child.pid }, limits);
        child.output?.settle(error);
        if (error) throw error;
        this.outcomes.completed++;
        const { stdout, stderr, durationMs } = exit;
        return { exitCode: 0, stdout, stderr, durationMs };
      } finally {
        this.lane.release()?.grant(); // only now: the process and its group are gone
      }
    } catch (error) {
      this.countFailure(error);
      throw error;
    } finally {
      run.done();
      this.runs.delete(run);
    }
  }

  private async spawn(
    command: CommandDetails,
    path: string,
    options: RunCommandOptions,
    limits: Limits,
    mode: 'buffer' | 'stream',
  ): Promise<ChildRun> {
    try {
      return await ChildRun.start(
        {
          path,
          args: command.args,
          cwd: options.cwd,
          env: buildCommandEnv(this.options.envAllowlist, options.env),
          input: options.input,
          mode,
          maxOutputBytes: limits.maxOutputBytes,
          maxStderrBytes: this.options.maxStderrBytes,
          idleTimeoutMs: limits.idleTimeoutMs,
          killGraceMs: limits.killGraceMs,
        },
        this.spawner,
      );
    } catch (cause) {
      if (cause instanceof SpawnHostExitedError) throw new SpawnHelperLostError(command, { cause });
      throw new CommandSpawnError(command, cause);
    }
  }

  /** Waits for the child to be gone, with its group; keeps the stats of running processes. */
  private async supervise(child: ChildRun, executable: string): Promise<ChildExit> {
    this.processes.set(child.pid, { executable, startedAt: Date.now() });
    const exit = await child.exited;
    this.processes.delete(child.pid);
    this.runTime.record(exit.durationMs);
    if (exit.kill !== 'gone') this.killed++;
    if (exit.kill === 'stuck') {
      this.logger.warn(`Process group ${child.pid} (${executable}) survived SIGKILL`);
    }
    return exit;
  }

  private exitError(exit: ChildExit, command: CommandDetails, limits: Limits): Error | undefined {
    const details = { ...command, durationMs: exit.durationMs };
    if (exit.stop) return this.stopError(exit.stop, details, limits, exit.signal);
    if (exit.lost) return new SpawnHelperLostError(details);
    if (exit.exitCode === 0) return undefined;
    const stderrTail = utf8Tail(exit.stderr, STDERR_TAIL_BYTES);
    return new CommandFailedError(details, exit.exitCode, exit.signal, stderrTail);
  }

  private stopError(
    reason: StopReason,
    details: CommandDetails,
    limits: Limits,
    signal: string | null = null,
  ): Error {
    switch (reason.kind) {
      case 'timeout':
        return new CommandTimedOutError(details, limits.timeoutMs, false, signal);
      case 'idle':
        return new CommandTimedOutError(details, limits.idleTimeoutMs, true, signal);
      case 'output':
        return new CommandOutputTooLargeError(details, limits.maxOutputBytes);
      case 'aborted':
        return new CommandAbortedError(
          details,
          reason.cause === undefined ? undefined : { cause: reason.cause },
        );
      case 'closed':
        return new RunnerClosedError(details);
    }
  }

  private countFailure(error: unknown): void {
    if (error instanceof CommandTimedOutError) this.outcomes.timedOut++;
    else if (error instanceof CommandAbortedError || error instanceof RunnerClosedError) {
      this.outcomes.aborted++;
    } else this.outcomes.failed++;
  }

  private limitsOf(options: RunCommandOptions): Limits {
    return {
      timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
      killGraceMs: options.killGraceMs ?? this.options.killGraceMs,
      maxOutputBytes: options.maxOutputBytes ?? this.options.maxOutputBytes,
      idleTimeoutMs: options.idleTimeoutMs ?? this.options.idleTimeoutMs,
    };
  }
}
