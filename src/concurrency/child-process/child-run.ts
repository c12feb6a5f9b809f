import { finished, type Readable } from 'node:stream';
import { MAX_TIMER_MS } from '../admission';
import { CommandOutput } from './command-output';
import { type GroupKillOutcome, killGroupLeftovers, terminateGroup } from './process-group';
import type { ProcessExit, SpawnedProcess, Spawner } from '../spawn/spawner';
import { TailBuffer } from './tail-buffer';

/** Why the runner stops a command before it exits by itself. */
export type StopReason =
  | { kind: 'timeout' }
  | { kind: 'idle' }
  | { kind: 'output' }
  | { kind: 'aborted'; cause?: unknown }
  | { kind: 'closed' };

export interface ChildRunSpec {
  /** Absolute path of the executable. */
  path: string;
  args: readonly string[];
  cwd?: string;
  env: Record<string, string>;
  input?: Buffer | string | NodeJS.ReadableStream;
  /** `buffer` collects stdout; `stream` hands it out as {@link ChildRun.output}. */
  mode: 'buffer' | 'stream';
  maxOutputBytes: number;
  maxStderrBytes: number;
  idleTimeoutMs: number;
  killGraceMs: number;
}

/** How a child ended. By then the process and every live member of its group are gone. */
export interface ChildExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Collected stdout (`buffer` mode only). */
  stdout: Buffer;
  /** The tail of stderr. */
  stderr: Buffer;
  durationMs: number;
  /** Set when the runner stopped the command. */
  stop?: StopReason;
  /** The spawner lost sight of it (see `ProcessExit.lost`): the exit says nothing of the command. */
  lost?: boolean;
  /** What it took to empty the group: on a stop, or for members that outlived the leader. */
  kill: GroupKillOutcome;
}

const noop = () => undefined;

/**
 * One spawned command: feeds its stdin, collects or streams its stdout, keeps a tail of its
 * stderr, enforces the output cap and the idle timeout, and kills its process group when
 * stopped. The deadline, cancellation and admission belong to ChildProcessRunner.
 */
export class ChildRun {
  readonly pid: number;
  /** stdout for the consumer (`stream` mode). */
  readonly output?: CommandOutput;
  /** Resolves (never rejects) once the process is gone, its group is empty and stdio closed. */
  readonly exited: Promise<ChildExit>;
  private readonly startedAt = performance.now();
  private readonly stdout: Buffer[] = [];
  private stdoutBytes = 0;
  private readonly stderr: TailBuffer;
  private readonly idleTimer?: NodeJS.Timeout;
  private stopReason?: StopReason;
  private killing?: Promise<GroupKillOutcome>;
  private leaderExited = false;
  private done = false;

  /** Spawns the command; rejects with the system error (ENOENT, EACCES…) if it cannot start. */
  static async start(spec: ChildRunSpec, spawner: Spawner): Promise<ChildRun> {
    const { path: file, args, cwd, env } = spec;
    return new ChildRun(await spawner.spawn({ file, args, cwd, env }), spec);
  }

  private constructor(
    private readonly child: SpawnedProcess,
    private readonly spec: ChildRunSpec,
  ) {
    this.pid = child.pid;
    const closed = [closeOf(child.stderr)];
    // A read error on a pipe ends it ('close' follows); it must not crash the service.
    child.stderr.on('error', noop);
    this.stderr = new TailBuffer(spec.maxStderrBytes);
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr.push(chunk);
      this.touch();
    });
    if (spec.mode === 'stream') {
      this.output = this.streamStdout();
    } else {
      child.stdout.on('data', (chunk: Buffer) => this.collect(chunk)).on('error', noop);
      closed.push(closeOf(child.stdout));
    }
    this.feed(spec.input);
    if (spec.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(
        () => this.stop({ kind: 'idle' }),
        Math.min(spec.idleTimeoutMs, MAX_TIMER_MS),
      );
    }
    this.exited = this.supervise(closed);
  }

  /**
   * Stops the command: SIGTERM to its group, SIGKILL after `killGraceMs`. The first reason
   * is the one reported; later calls do nothing.
   */
  stop(reason: StopReason): void {
    if (this.stopReason || this.done) return;
    this.stopReason = reason;
    this.killing ??= terminateGroup(this.pid, this.spec.killGraceMs);
    // Past the leader's exit, supervise() may be waiting for pipes an escaped process holds.
    if (this.leaderExited) void this.killing.then(() => this.destroyStdio());
  }

  private async supervise(closed: Promise<void>[]): Promise<ChildExit> {
    const { code: exitCode, signal, lost }: ProcessExit = await this.child.exited;
    this.leaderExited = true;
    clearTimeout(this.idleTimer);
    // A command that backgrounded a process (`sleep 1000 &`) must leave nothing behind.
    this.killing ??= killGroupLeftovers(this.pid);
    const kill = await this.killing;
    // Only a process that left the group (setsid) can hold the pipes open now. A stopped
    // command's remaining output is of no use: stop reading. Otherwise read to the end; the
    // deadline or shutdown stops that wait if an escaped process never lets go (see stop()).
    if (this.stopReason) this.destroyStdio();
    await Promise.all(closed);
    this.done = true;
    return {
      exitCode,
      signal,
      stdout: Buffer.concat(this.stdout),
      stderr: this.stderr.toBuffer(),
      durationMs: performance.now() - this.startedAt,
      stop: this.stopReason,
      lost,
      kill,
    };
  }

  private streamStdout(): CommandOutput {
    const output = new CommandOutput(this.child.stdout, this.spec.maxOutputBytes, {
      onData: () => this.touch(),
      onOverflow: () => this.stop({ kind: 'output' }),
    });
    // It fails with the run's error: that must not crash the service if nobody listens.
    output.on('error', noop);
    output.once('close', () => {
      this.child.stdout.destroy(); // release the pipe, also when unread output is discarded
      // Destroyed by its consumer before the run settled: nobody wants the rest.
      if (!output.settled) this.stop({ kind: 'aborted' });
    });
    return output;
  }

  private collect(chunk: Buffer): void {
    if (this.stopReason) return; // being stopped: its output no longer matters
    this.stdoutBytes += chunk.length;
    if (this.stdoutBytes > this.spec.maxOutputBytes) return this.stop({ kind: 'output' });
    this.stdout.push(chunk);
    this.touch();
  }

  private feed(input: ChildRunSpec['input']): void {
    const { stdin } = this.child;
    // EPIPE: the command exited or closed stdin without reading everything (`head -c1`).
    // Not an error by itself; its exit status says whether it failed.
    stdin.on('error', noop);
    if (input === undefined) stdin.end();
    else if (typeof input === 'string' || Buffer.isBuffer(input)) stdin.end(input);
    else {
      input.pipe(stdin);
      // Ending stdin on a failed input would run the command on truncated data: abort instead.
      const unwatch = finished(input, (error) => {
        if (error && !this.leaderExited) this.stop({ kind: 'aborted', cause: error });
      });
      stdin.once('close', () => {
        unwatch();
        input.unpipe(stdin); // what the command did not read stays with the input's owner
      });
    }
  }

  private touch(): void {
    // refresh() would re-arm a cleared timer.
    if (!this.leaderExited) this.idleTimer?.refresh();
  }

  private destroyStdio(): void {
    this.child.stdin.destroy();
    this.child.stderr.destroy();
    // A streamed stdout belongs to its consumer until the run settles.
    if (!this.output) this.child.stdout.destroy();
  }
}

function closeOf(stream: Readable): Promise<void> {
  // A pipe handed over by the spawn host may have ended and closed already, when the
  // command wrote nothing and exited before its last pipe arrived.
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
