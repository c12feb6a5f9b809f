import type { AppWorker } from './app-worker';
import type { SupervisorClock } from './clock';

export interface WatchdogOptions {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
}

/**
 * Finds ready workers that went silent: a blocked event loop, or a process stopped with
 * SIGSTOP. Each silence is reported once; the primary kills the worker.
 */
export class HeartbeatWatchdog {
  private timer?: unknown;
  private running = false;
  private lastCheck = 0;

  constructor(
    private readonly clock: SupervisorClock,
    private readonly options: WatchdogOptions,
    private readonly watched: () => Iterable<AppWorker>,
    private readonly onSilent: (worker: AppWorker, silentMs: number) => void,
  ) {}

  get intervalMs(): number {
    return Math.min(this.options.heartbeatIntervalMs, 1_000);
  }

  start(): void {
    this.running = true;
    this.lastCheck = this.clock.now();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.check();
      if (this.running) this.schedule();
    }, this.intervalMs);
  }

  private check(): void {
    const now = this.clock.now();
    const sinceLastCheck = now - this.lastCheck;
    this.lastCheck = now;
    // This process was paused (SIGSTOP, a frozen VM, CPU throttling): the heartbeats waiting
    // in the IPC channels are read after timers run, so everyone looks silent. Start over.
    if (sinceLastCheck > this.intervalMs * 2 + 1_000) {
      for (const worker of this.watched()) worker.lastHeartbeat = now;
      return;
    }
    for (const worker of this.watched()) {
      if (worker.readyAt === undefined || worker.retiring) continue;
      const silentMs = now - worker.lastHeartbeat;
      if (silentMs > this.options.heartbeatTimeoutMs) {
        worker.lastHeartbeat = now; // one report per silence
        this.onSilent(worker, Math.round(silentMs));
      }
    }
  }
}
