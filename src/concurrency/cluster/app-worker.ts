import type { PrimaryMessage, HeartbeatMessage, ReadyMessage } from './cluster.protocol';
import type { WorkerExit, WorkerView } from './cluster-view';
import type { WorkerProcess } from './primary-host';
import type { RestartBackoff } from './restart-backoff';

/** Why the primary forked a worker: first start, refill after an exit, or a replacement. */
export type ForkReason = 'start' | 'restart' | 'rolling restart' | 'memory recycling';

/** A place for one app worker: the primary keeps `workers` slots filled. */
export interface Slot {
  readonly id: number;
  /** The worker serving this slot; a replacement becomes it once ready. */
  current?: AppWorker;
  readonly backoff: RestartBackoff;
  restartTimer?: unknown;
  replacing: boolean;
  /** Restarts after an unexpected exit. */
  restarts: number;
}

/** One forked app worker, from fork to exit, as the primary sees it. Times are the clock's. */
export class AppWorker {
  readyAt?: number;
  lastHeartbeat: number;
  rssBytes = 0;
  loopDelayP99Ms?: number;
  snapshot?: unknown;
  /** The port its app listens on, from its ready message. */
  port?: number;
  /** Set when the supervisor ends it, for the exit record. */
  endReason?: WorkerExit['reason'];
  /** Its exit is expected (replaced or shutting down): no restart, no crash accounting. */
  retiring = false;
  /** Resolves true once it reports ready, false if it exits first. */
  readonly ready: Promise<boolean>;
  /** Resolves with its exit code once it is gone. */
  readonly exited: Promise<number | null>;
  private markReady!: (ready: boolean) => void;

  constructor(
    readonly process: WorkerProcess,
    readonly slot: Slot,
    readonly reason: ForkReason,
    readonly forkedAt: number,
  ) {
    this.lastHeartbeat = forkedAt;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.exited = new Promise((resolve) => process.onExit((code) => resolve(code)));
    process.onExit(() => this.markReady(false));
  }

  get pid(): number {
    return this.process.pid;
  }

  /** Forked to take over a slot whose worker keeps serving until this one is ready. */
  get isReplacement(): boolean {
    return this.reason === 'rolling restart' || this.reason === 'memory recycling';
  }

  onReady(message: ReadyMessage, now: number): void {
    this.readyAt = now;
    this.lastHeartbeat = now;
    this.snapshot = message.snapshot;
    this.port = message.port;
    this.markReady(true);
  }

  onHeartbeat(message: HeartbeatMessage, now: number): void {
    this.lastHeartbeat = now;
    this.rssBytes = message.rssBytes;
    this.loopDelayP99Ms = message.loopDelayP99Ms;
    if (message.snapshot !== undefined) this.snapshot = message.snapshot;
  }

  /**
   * Sends over its IPC channel. A worker whose channel closed is exiting: nothing to tell
   * it; `onFailure` (if any) runs then, or when the send fails (EPIPE: it just died).
   */
  send(message: PrimaryMessage, onFailure?: () => void): void {
    if (!this.process.isConnected()) {
      onFailure?.();
      return;
    }
    this.process.send(message, (error) => {
      if (error) onFailure?.();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Its view for the probe server; `epoch` turns a clock reading into epoch milliseconds. */
  view(epoch: (at: number) => number): WorkerView {
    return {
      id: this.slot.id,
      pid: this.pid,
      state: this.retiring ? 'draining' : this.readyAt === undefined ? 'starting' : 'ready',
      startedAt: epoch(this.forkedAt),
      readyAt: this.readyAt === undefined ? undefined : epoch(this.readyAt),
      lastHeartbeatAt: epoch(this.lastHeartbeat),
      restarts: this.slot.restarts,
      loopDelayP99Ms: this.loopDelayP99Ms,
      rssBytes: this.rssBytes || undefined,
      snapshot: this.snapshot,
    };
  }
}
