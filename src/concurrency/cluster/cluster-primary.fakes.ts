import type { ClusterConfig } from '../../config/cluster.config';
import type { LogLine } from '../../logging/process-logger';
import type { SupervisorClock } from './clock';
import type { ClusterEvent } from './cluster.events';
import type { PrimaryMessage } from './cluster.protocol';
import type { PrimaryHost, WorkerProcess } from './primary-host';

/*
 * Fakes of what ClusterPrimary drives (time, forked processes, signals, exit), for its unit
 * specs: each race runs step by step, deterministic. test/cluster.e2e-spec.ts runs the
 * same supervisor against real processes.
 */

/** Lets every promise that can settle now settle. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock that moves only when told to, running its timers in order. */
export class FakeClock implements SupervisorClock {
  private ms = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.ms;
  }

  wallNow(): number {
    return 1_700_000_000_000 + this.ms;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.ms + Math.max(0, ms), seq: ++this.seq, callback };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(timer: unknown): void {
    this.timers = this.timers.filter((t) => t !== timer);
  }

  /** Moves `ms` forward, running each timer due at its time, promises settled in between. */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    await settle();
    for (let next = this.due(end); next; next = this.due(end)) {
      this.ms = next.at;
      this.timers = this.timers.filter((t) => t !== next);
      next.callback();
      await settle();
    }
    this.ms = end;
  }

  /** Moves `ms` forward at once, as a paused process sees it: overdue timers run late. */
  async jump(ms: number): Promise<void> {
    const now = this.ms + ms;
    for (const timer of this.timers) timer.at = Math.max(timer.at, now);
    this.ms = now;
    await this.advance(0);
  }

  private due(end: number): Timer | undefined {
    return this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
  }
}

/** A forked app worker the spec drives: it says ready, beats, exits when told. */
export class FakeWorker implements WorkerProcess {
  private static lastPid = 1000;
  readonly pid = ++FakeWorker.lastPid;
  readonly sent: PrimaryMessage[] = [];
  readonly signals: NodeJS.Signals[] = [];
  exit?: { code: number | null; signal: string | null };
  /** Exits 0 when asked to shut down once ready (a clean drain); false: it hangs. */
  drains = true;
  /** Said ready: its app listens to the primary (a booting app does not hear it yet). */
  listening = false;
  private readonly listeners = {
    message: [] as ((message: unknown) => void)[],
    error: [] as ((error: Error) => void)[],
    exit: [] as ((code: number | null, signal: string | null) => void)[],
  };

  constructor(readonly env: Record<string, string>) {}

  get slot(): number {
    return Number(this.env.CLUSTER_WORKER_ID);
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  isConnected(): boolean {
    return this.alive;
  }

  send(message: PrimaryMessage, done: (error: Error | null) => void): void {
    this.sent.push(message);
    done(null);
    if (message.cluster === 'shutdown' && this.listening && this.drains) {
      queueMicrotask(() => this.exitWith(0));
    }
  }

  /** Any signal ends it, as SIGKILL, or SIGTERM to a booting app, would. */
  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    queueMicrotask(() => this.exitWith(null, signal));
  }

  onMessage(listener: (message: unknown) => void): void {
    this.listeners.message.push(listener);
  }

  onError(listener: (error: Error) => void): void {
    this.listeners.error.push(listener);
  }

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.listeners.exit.push(listener);
  }

  ready(port = 3000): void {
    this.listening = true;
    this.emit({ cluster: 'ready', snapshot: { ok: true }, port });
  }

  heartbeat(rssBytes = 100 * 2 ** 20): void {
    this.emit({
      cluster: 'heartbeat',
      loopDelayP99Ms: 1,
      loopDelayMaxMs: 2,
      rssBytes,
      heapUsedBytes: rssBytes / 2,
    });
  }

  emit(message: unknown): void {
    if (this.alive) for (const listener of this.listeners.message) listener(message);
  }

  exitWith(code: number | null, signal: string | null = null): void {
    if (!this.alive) return;
    this.exit = { code, signal };
    for (const listener of this.listeners.exit) listener(code, signal);
  }
}

/** The primary's process: fake forks, signals delivered by the spec, `exit` recorded. */
export class FakeHost implements PrimaryHost {
  readonly clock = new FakeClock();
  readonly forked: FakeWorker[] = [];
  exitCode?: number;
  private readonly handlers = new Map<string, () => void>();

  fork(env: Record<string, string>): FakeWorker {
    const worker = new FakeWorker(env);
    this.forked.push(worker);
    return worker;
  }

  onSignal(signal: NodeJS.Signals, handler: () => void): void {
    this.handlers.set(signal, handler);
  }

  exit(code: number): void {
    this.exitCode ??= code;
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    this.handlers.get(signal)?.();
    await this.clock.advance(0);
  }

  /** Live workers of a slot, oldest first. */
  inSlot(slot: number): FakeWorker[] {
    return this.forked.filter((worker) => worker.slot === slot && worker.alive);
  }

  get alive(): FakeWorker[] {
    return this.forked.filter((worker) => worker.alive);
  }
}

/** A log that keeps the events, with their level. */
export function eventLog(): { log: LogLine; events: (ClusterEvent & { level: string })[] } {
  const events: (ClusterEvent & { level: string })[] = [];
  const log: LogLine = (line, level = 'info') => {
    if (typeof line !== 'string') events.push({ ...(line as ClusterEvent), level });
  };
  return { log, events };
}

export const TEST_CONFIG: ClusterConfig = {
  enabled: true,
  workers: 2,
  workerStartTimeoutMs: 5_000,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
  workerMaxRssMb: 0,
  restartBackoffMs: 100,
  restartBackoffMaxMs: 1_000,
  stableUptimeMs: 10_000,
  crashLoopMaxExits: 5,
  crashLoopWindowMs: 60_000,
  shutdownDelayMs: 0,
  shutdownTimeoutMs: 10_000,
  pidFile: undefined,
};
