import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { RUNNING_FROM_SOURCES, TYPESCRIPT_HOOK_ARGV } from '../from-sources';
import { killTagged, killUnwatched, SPAWN_TAG_VARIABLE } from './orphans';
import type { HostMessage, SpawnMessage } from './spawn-host.protocol';
import type { ProcessExit, SpawnedProcess, Spawner, SpawnerStats, SpawnRequest } from './spawner';

interface Pending {
  /** The helper this process was asked of: only its death concerns this entry. */
  host: ChildProcess;
  resolve: (process: SpawnedProcess) => void;
  reject: (error: Error) => void;
  pid?: number;
  pipes: Partial<Record<'stdin' | 'stdout' | 'stderr', Socket>>;
  exit: (exit: ProcessExit) => void;
  exited: Promise<ProcessExit>;
}

// Under jest the host runs from its .ts source, like the pool's threads.
const HOST = join(__dirname, `spawn-host${RUNNING_FROM_SOURCES ? '.ts' : '.js'}`);

/**
 * A pipe received over IPC arrives as a duplex socket. As the child's stdin it is
 * write-only: it would wait forever for a read side to end before closing, so it is
 * destroyed once everything written is flushed. As stdout or stderr it is read-only, and
 * closes by itself after 'end'.
 */
function oneWay(socket: Socket, role: 'stdin' | 'stdout' | 'stderr'): Socket {
  if (role === 'stdin') socket.once('finish', () => socket.destroy());
  return socket;
}

/** The spawn host died: its children cannot be watched any more. */
export class SpawnHostExitedError extends Error {
  override readonly name = 'SpawnHostExitedError';
}

/** How often the service pings its helper, and how long a silence it tolerates. */
export interface SpawnHostWatchdog {
  heartbeatMs: number;
  /** Past this silence the helper is killed (a SIGSTOPped or wedged helper answers nothing). */
  unresponsiveMs: number;
  /** Told when a helper is lost (died, or killed for its silence): e.g. to log it. */
  onLost?: (event: { pid?: number; reason: string; commands: number }) => void;
}

const DEFAULT_WATCHDOG: SpawnHostWatchdog = { heartbeatMs: 1_000, unresponsiveMs: 3_000 };

/**
 * Spawns through the spawn host (spawn-host.ts), a helper process forked on first use and
 * again if it dies. BENCHMARKS.md section 4: during a burst of spawns from a process of
 * 257 MiB, its event loop's p99 delay stayed at 1.96× idle, against 28.7× spawning
 * in-process; and commands started 4.6× faster than a bare spawn loop.
 */
export class HelperProcessSpawner implements Spawner {
  private host?: ChildProcess;
  /** The current helper's mark (see orphans.ts). */
  private tag = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private restarts = 0;
  private lastAnswerAt = 0;
  private heartbeat?: NodeJS.Timeout;

  constructor(private readonly watchdog: SpawnHostWatchdog = DEFAULT_WATCHDOG) {}

  spawn(request: SpawnRequest): Promise<SpawnedProcess> {
    const host = this.host ?? this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let exit!: (exit: ProcessExit) => void;
      const exited = new Promise<ProcessExit>((r) => (exit = r));
      this.pending.set(id, { host, resolve, reject, pipes: {}, exit, exited });
      this.refWhileBusy();
      const message: SpawnMessage = {
        type: 'spawn',
        id,
        ...request,
        args: [...request.args],
        env: { ...request.env, [SPAWN_TAG_VARIABLE]: this.tag },
      };
      host.send(message, (error) => {
        if (error) this.fail(id, error);
      });
    });
  }

  stats(): SpawnerStats {
    return {
      helperPid: this.host?.pid,
      helperRestarts: this.restarts,
      helperSilentMs: this.host ? Date.now() - this.lastAnswerAt : undefined,
    };
  }

  async close(): Promise<void> {
    const host = this.host;
    this.host = undefined;
    clearInterval(this.heartbeat);
    if (host && host.exitCode === null && host.signalCode === null) {
      const gone = new Promise((resolve) => host.once('exit', resolve));
      host.disconnect();
      await gone;
    }
  }

  private start(): ChildProcess {
    this.tag = randomUUID();
    const host = fork(HOST, [String(process.pid)], {
      serialization: 'advanced',
      // The host needs nothing of the service's environment (and its secrets).
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [SPAWN_TAG_VARIABLE]: this.tag },
      execArgv: TYPESCRIPT_HOOK_ARGV ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    host.on('message', (message: HostMessage, handle?: Socket) => this.onMessage(message, handle));
    host.once('exit', (code, signal) => {
      if (this.host === host) this.lose(`exited (${signal ?? `code ${code}`})`);
    });
    this.host = host;
    this.lastAnswerAt = Date.now();
    this.watch();
    this.refWhileBusy();
    return host;
  }

  /**
   * Pings the helper; one silent for `unresponsiveMs` (stopped, wedged) is killed, so that
   * its commands are failed and answered instead of waiting for exits it will never report.
   */
  private watch(): void {
    clearInterval(this.heartbeat);
    let lastTick = Date.now();
    this.heartbeat = setInterval(() => {
      const host = this.host;
      const now = Date.now();
      // A late tick means this process was the one stalled (a long task, SIGSTOP): the
      // helper's answers may be waiting unread. Judge it on the next tick.
      const late = now - lastTick > 2 * this.watchdog.heartbeatMs;
      lastTick = now;
      if (!host) return;
      const silentMs = now - this.lastAnswerAt;
      if (silentMs > this.watchdog.unresponsiveMs && !late) {
        this.lose(`did not answer for ${silentMs} ms`);
        return;
      }
      if (host.connected) host.send({ type: 'ping', id: 0 }, () => undefined);
    }, this.watchdog.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * The current helper is gone or no use: kill it (SIGKILL also ends a stopped process),
   * fail every process asked of it, and start afresh on the next spawn.
   */
  private lose(reason: string): void {
    const host = this.host;
    if (!host) return;
    this.host = undefined;
    this.restarts++;
    host.kill('SIGKILL');
    // A command it started but had not reported yet is unknown here, and lives on: found by
    // the helper's mark once the helper can start no more.
    const tag = this.tag;
    const sweep = () => void killTagged(tag);
    if (host.exitCode === null && host.signalCode === null) host.once('exit', sweep);
    else sweep();
    const error = new SpawnHostExitedError(`The spawn helper ${reason}`);
    const lost = [...this.pending].filter(([, entry]) => entry.host === host);
    for (const [id] of lost) this.fail(id, error);
    this.watchdog.onLost?.({ pid: host.pid, reason, commands: lost.length });
  }

  /** The host keeps this process alive only while some process it started is running. */
  private refWhileBusy(): void {
    const host = this.host as
      (ChildProcess & { channel?: { ref(): void; unref(): void } }) | undefined;
    if (!host) return;
    if (this.pending.size > 0) {
      host.ref();
      host.channel?.ref();
    } else {
      host.unref();
      host.channel?.unref();
    }
  }

  private onMessage(message: HostMessage, handle?: Socket): void {
    this.lastAnswerAt = Date.now(); // any message shows the helper is alive
    if (message.type === 'pong') return;
    const entry = this.pending.get(message.id);
    if (!entry) {
      // Failed meanwhile (its helper lost, its request gone): a process it started is unwatched.
      if ('pid' in message) killUnwatched(message.pid);
      handle?.destroy();
      return;
    }
    switch (message.type) {
      case 'error':
        this.pending.delete(message.id);
        this.refWhileBusy();
        entry.reject(Object.assign(new Error(message.message), { code: message.code }));
        return;
      case 'exit':
        this.pending.delete(message.id);
        this.refWhileBusy();
        entry.exit({ code: message.code, signal: message.signal });
        return;
      default:
        entry.pid = message.pid;
        entry.pipes[message.type] = handle && oneWay(handle, message.type);
        if (entry.pipes.stdin && entry.pipes.stdout && entry.pipes.stderr) {
          const { stdin, stdout, stderr } = entry.pipes;
          entry.resolve({ pid: message.pid, stdin, stdout, stderr, exited: entry.exited });
        }
    }
  }

  /** Fails a spawn in flight; a process already started is reported as killed. */
  private fail(id: number, error: Error): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.refWhileBusy();
    if (entry.pid !== undefined) {
      try {
        process.kill(-entry.pid, 'SIGKILL'); // unwatched now: make sure it is gone
      } catch {
        // already gone
      }
    }
    entry.reject(error);
    entry.exit({ code: null, signal: 'SIGKILL', lost: true });
  }
}
