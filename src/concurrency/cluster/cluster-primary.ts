import type { ClusterConfig } from '../../config/cluster.config';
import { logLine, type LogLine } from '../../logging/process-logger';
import { AppWorker, type ForkReason, type Slot } from './app-worker';
import { sleep, type SupervisorClock } from './clock';
import { clusterEvents as events } from './cluster.events';
import {
  EXIT_CONFIG_ERROR,
  isWorkerMessage,
  type HeartbeatMessage,
  type ReadyMessage,
  type WorkerMessage,
} from './cluster.protocol';
import type { ClusterView, SupervisorState, WorkerExit, WorkerView } from './cluster-view';
import { CrashLoopDetector } from './crash-loop';
import { ExitHistory } from './exit-history';
import { HeartbeatWatchdog } from './heartbeat-watchdog';
import { MetricsScrape, type ScrapedMetrics } from './metrics-scrape';
import { nodePrimaryHost, type PrimaryHost } from './primary-host';
import { RestartBackoff } from './restart-backoff';
import type { ThreadPlan } from './thread-plan';

/** Time a worker gets past its own shutdown timeout before the primary kills it. */
export const KILL_GRACE_MS = 2_000;

export interface ClusterPrimaryOptions {
  /** Default: this process and Node's cluster module. */
  host?: PrimaryHost;
  /** Default: the process logger. */
  log?: LogLine;
  /** The restart backoff's jitter source, like `Math.random` (the default). */
  random?: () => number;
  /** Called once, when every slot first has a ready worker, with the port the app listens on. */
  onAllReady?: (port: number | undefined) => void;
}

/**
 * The primary process: forks the planned workers and keeps them healthy. It loads no app
 * code (with round-robin scheduling it sits in the path of every connection), so it stays
 * small and its event loop free for accepting and handing over connections.
 */
export class ClusterPrimary implements ClusterView {
  readonly mode = 'cluster';
  private readonly host: PrimaryHost;
  private readonly clock: SupervisorClock;
  private readonly log: LogLine;
  private readonly startedAt: number;
  private readonly alive = new Set<AppWorker>();
  private readonly slots: Slot[];
  private readonly crashLoop: CrashLoopDetector;
  private readonly watchdog: HeartbeatWatchdog;
  private readonly exitHistory = new ExitHistory();
  private readonly metrics: MetricsScrape;
  private phase: 'running' | 'stopping' = 'running';
  private crashLooping = false;
  private allReady = false;
  /** Replacements run one at a time, in order. */
  private replacements: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: ClusterConfig,
    private readonly plan: ThreadPlan,
    private readonly options: ClusterPrimaryOptions = {},
  ) {
    this.host = options.host ?? nodePrimaryHost();
    this.clock = this.host.clock;
    this.log = options.log ?? logLine;
    this.startedAt = this.clock.now();
    this.crashLoop = new CrashLoopDetector({
      maxUnstableExits: config.crashLoopMaxExits,
      windowMs: config.crashLoopWindowMs,
      stableUptimeMs: config.stableUptimeMs,
      clock: this.clock,
    });
    this.slots = Array.from({ length: plan.workers }, (_, index) => ({
      id: index + 1,
      replacing: false,
      restarts: 0,
      backoff: new RestartBackoff({
        initialMs: config.restartBackoffMs,
        maxMs: config.restartBackoffMaxMs,
        stableUptimeMs: config.stableUptimeMs,
        random: options.random,
      }),
    }));
    this.watchdog = new HeartbeatWatchdog(
      this.clock,
      config,
      () => this.alive,
      (worker, silentMs) => {
        this.log(events.silent(worker.slot.id, worker.pid, silentMs), 'warn');
        worker.endReason = 'heartbeat timeout';
        worker.kill('SIGKILL');
      },
    );
    this.metrics = new MetricsScrape(this.clock);
  }

  start(): void {
    for (const slot of this.slots) this.fork(slot, 'start');
    this.watchdog.start();
    this.host.onSignal('SIGTERM', () => void this.shutdown('SIGTERM'));
    this.host.onSignal('SIGINT', () => void this.shutdown('SIGINT'));
    this.host.onSignal('SIGHUP', () => void this.rollingRestart());
  }

  private fork(slot: Slot, reason: ForkReason): AppWorker {
    const env = { ...this.plan.workerEnv, CLUSTER_WORKER_ID: String(slot.id) };
    const worker = new AppWorker(this.host.fork(env), slot, reason, this.clock.now());
    this.alive.add(worker);
    this.log(events.forked(slot.id, worker.pid, reason));
    const startTimeoutMs = this.config.workerStartTimeoutMs;
    const startTimer = this.clock.setTimeout(() => {
      this.log(events.startTimeout(slot.id, worker.pid, startTimeoutMs), 'warn');
      worker.endReason = 'start timeout';
      worker.kill('SIGKILL');
    }, startTimeoutMs);
    void worker.ready.then(() => this.clock.clearTimeout(startTimer));
    worker.process.onMessage((message) => {
      if (isWorkerMessage(message)) this.onMessage(worker, message);
    });
    // A send that races the worker's death fails with EPIPE: the exit event follows.
    worker.process.onError((error) =>
      this.log(events.ipcError(slot.id, worker.pid, error.message), 'warn'),
    );
    worker.process.onExit((code, signal) => this.onExit(worker, code, signal));
    return worker;
  }

  private onMessage(worker: AppWorker, message: WorkerMessage): void {
    if (message.cluster === 'metrics') this.metrics.answer(message.id, message.metrics);
    else if (message.cluster === 'ready') this.onReady(worker, message);
    else this.onHeartbeat(worker, message);
  }

  private onReady(worker: AppWorker, message: ReadyMessage): void {
    worker.onReady(message, this.clock.now());
    const ms = Math.round(worker.readyAt! - worker.forkedAt);
    this.log(events.ready(worker.slot.id, worker.pid, ms));
    worker.slot.current ??= worker;
    this.logAllReady(worker.port);
    // Ready during SHUTDOWN_DELAY_MS: it must not report ready either.
    if (this.phase === 'stopping') worker.send({ cluster: 'not-ready' });
  }

  private onHeartbeat(worker: AppWorker, message: HeartbeatMessage): void {
    worker.onHeartbeat(message, this.clock.now());
    const maxMb = this.config.workerMaxRssMb;
    if (maxMb > 0 && message.rssBytes > maxMb * 2 ** 20 && this.canReplace(worker)) {
      const rssMb = Math.round(message.rssBytes / 2 ** 20);
      this.log(events.overRss(worker.slot.id, worker.pid, rssMb, maxMb));
      void this.enqueueReplace(worker.slot, 'memory recycling');
    }
  }

  /** Not before a stable uptime: a limit below a fresh worker's RSS must not become a fork loop. */
  private canReplace(worker: AppWorker): boolean {
    return (
      this.phase === 'running' &&
      worker.slot.current === worker &&
      !worker.slot.replacing &&
      this.clock.now() - worker.forkedAt >= this.config.stableUptimeMs
    );
  }

  private onExit(worker: AppWorker, code: number | null, signal: string | null): void {
    this.alive.delete(worker);
    const slot = worker.slot;
    const uptimeMs = Math.round(this.clock.now() - worker.forkedAt);
    const expected = worker.retiring || this.phase === 'stopping';
    this.log(
      events.exited(slot.id, worker.pid, code, signal, uptimeMs),
      expected ? 'info' : 'warn',
    );
    if (slot.current === worker) slot.current = undefined;
    this.recordExit(worker, code, signal, uptimeMs);
    if (expected) return;

    const wasReady = worker.readyAt !== undefined;
    // A replacement that cannot start leaves the worker it was to replace serving: the
    // rolling restart stops there (replace() says so) and the cluster goes on.
    if (code === EXIT_CONFIG_ERROR && !wasReady && !worker.isReplacement) {
      this.log(events.configError(slot.id), 'error');
      void this.giveUp(1);
      return;
    }
    if (this.crashLoop.record({ uptimeMs, ready: wasReady })) {
      this.crashLooping = true;
      const exits = this.crashLoop.recentUnstableExits;
      this.log(events.crashLoop(exits, this.config.crashLoopWindowMs), 'error');
      void this.giveUp(1);
      return;
    }
    // A replacement in progress fills the slot (or, if it fails, restarts it).
    if (slot.replacing) return;
    this.scheduleRestart(slot, uptimeMs);
  }

  /** Refills an empty slot after its backoff, unless something else fills it first. */
  private scheduleRestart(slot: Slot, uptimeMs: number): void {
    if (this.phase !== 'running' || slot.restartTimer || this.membersOf(slot).length > 0) return;
    slot.restarts += 1;
    const delayMs = slot.backoff.next(uptimeMs);
    this.log(events.restarting(slot.id, delayMs, slot.backoff.attempts));
    slot.restartTimer = this.clock.setTimeout(() => {
      slot.restartTimer = undefined;
      // A replacement in progress fills the slot, or calls back here if it fails.
      if (this.phase === 'running' && !slot.replacing && this.membersOf(slot).length === 0) {
        this.fork(slot, 'restart');
      }
    }, delayMs);
  }

  /** Workers of a slot that are not on their way out: the serving one and any starting one. */
  private membersOf(slot: Slot): AppWorker[] {
    return [...this.alive].filter((worker) => worker.slot === slot && !worker.retiring);
  }

  private enqueueReplace(slot: Slot, reason: ForkReason): Promise<boolean> {
    slot.replacing = true;
    const done = this.replacements.then(() => this.replace(slot, reason));
    this.replacements = done;
    return done;
  }

  /** The replacement is forked and ready before the old worker drains: capacity never dips. */
  private async replace(slot: Slot, reason: ForkReason): Promise<boolean> {
    try {
      if (this.phase !== 'running') return false;
      const fresh = this.fork(slot, reason);
      if (!(await fresh.ready)) {
        if (this.phase === 'running') this.log(events.replaceFailed(slot.id), 'warn');
        return false;
      }
      // Shutdown began meanwhile: it drains every worker, this one included.
      if (this.phase !== 'running') return false;
      slot.current = fresh;
      // The old worker, and any other started for this slot meanwhile (a restart in flight).
      const others = this.membersOf(slot).filter((worker) => worker !== fresh);
      await Promise.all(others.map((worker) => this.retire(worker)));
      return true;
    } finally {
      slot.replacing = false;
      if (!slot.current) this.scheduleRestart(slot, 0);
    }
  }

  /**
   * Asks a worker to drain and exit; kills it if it outlives its shutdown timeout. One still
   * booting (a restart overtaken by a replacement) serves nothing and does not hear the
   * primary yet: SIGTERM ends it now, where a message would wait for the timeout.
   */
  private async retire(worker: AppWorker): Promise<void> {
    worker.retiring = true;
    worker.endReason = 'replaced';
    const timeoutMs = this.config.shutdownTimeoutMs;
    if (worker.readyAt === undefined) worker.kill('SIGTERM');
    else worker.send({ cluster: 'shutdown', timeoutMs });
    const killer = this.clock.setTimeout(() => worker.kill('SIGKILL'), timeoutMs + KILL_GRACE_MS);
    await worker.exited;
    this.clock.clearTimeout(killer);
  }

  /**
   * SIGHUP: replaces every worker, one at a time. A replacement that fails stops it: the next
   * would most likely fail the same way (a bad file), and the old workers keep serving.
   */
  private async rollingRestart(): Promise<void> {
    if (this.phase !== 'running') return;
    const started = this.clock.now();
    this.log(events.rolling(this.slots.length));
    for (const slot of this.slots) {
      if (slot.replacing) continue;
      const replaced = await this.enqueueReplace(slot, 'rolling restart');
      if (this.phase !== 'running') return;
      if (!replaced) {
        this.log(events.rollingStopped(slot.id), 'warn');
        return;
      }
    }
    this.log(events.rolled(Math.round(this.clock.now() - started)));
  }

  /** SIGTERM/SIGINT: not ready at once, drain every worker, exit 0 if all exited cleanly. */
  private async shutdown(signal: NodeJS.Signals): Promise<void> {
    if (this.phase === 'stopping') {
      this.log(events.secondSignal(signal), 'warn');
      this.killAll('SIGKILL');
      this.host.exit(1);
      return;
    }
    this.beginStopping();
    const { shutdownDelayMs, shutdownTimeoutMs } = this.config;
    this.log(events.shutdown(signal, shutdownDelayMs, shutdownTimeoutMs));
    for (const worker of this.alive) {
      if (worker.readyAt !== undefined) worker.send({ cluster: 'not-ready' });
    }
    if (shutdownDelayMs > 0) await sleep(this.clock, shutdownDelayMs);

    let failed = false;
    const killer = this.clock.setTimeout(() => {
      failed = true;
      this.log(events.stragglers(this.alive.size), 'warn');
      this.killAll('SIGKILL');
    }, shutdownTimeoutMs + KILL_GRACE_MS);
    const exits = [...this.alive].map(async (worker) => {
      worker.retiring = true;
      worker.endReason = 'shutdown';
      // A worker still starting serves nothing yet: stopping it loses nothing.
      if (worker.readyAt === undefined) worker.kill('SIGTERM');
      else worker.send({ cluster: 'shutdown', timeoutMs: shutdownTimeoutMs });
      const code = await worker.exited;
      if (worker.readyAt !== undefined && code !== 0) failed = true;
    });
    await Promise.all(exits);
    this.clock.clearTimeout(killer);
    this.exit(failed ? 1 : 0);
  }

  /** Stops the cluster after a fatal condition (crash loop, bad configuration): no drain. */
  private async giveUp(code: number): Promise<void> {
    this.beginStopping();
    const killer = this.clock.setTimeout(() => this.killAll('SIGKILL'), KILL_GRACE_MS);
    this.killAll('SIGTERM');
    await Promise.all([...this.alive].map((worker) => worker.exited));
    this.clock.clearTimeout(killer);
    this.exit(code);
  }

  private killAll(signal: NodeJS.Signals): void {
    for (const worker of this.alive) worker.kill(signal);
  }

  private beginStopping(): void {
    this.phase = 'stopping';
    this.watchdog.stop();
    for (const slot of this.slots) this.clock.clearTimeout(slot.restartTimer);
  }

  private exit(code: number): void {
    this.log(events.stopped(code), code === 0 ? 'info' : 'error');
    this.host.exit(code);
  }

  private recordExit(
    worker: AppWorker,
    code: number | null,
    signal: string | null,
    uptimeMs: number,
  ): void {
    this.exitHistory.record({
      id: worker.slot.id,
      pid: worker.pid,
      code,
      signal,
      uptimeMs,
      at: this.clock.wallNow(),
      reason: worker.endReason ?? (this.phase === 'stopping' ? 'shutdown' : 'unexpected'),
      wasReady: worker.readyAt !== undefined,
    });
  }

  private logAllReady(port: number | undefined): void {
    if (this.allReady || this.slots.some((slot) => !slot.current)) return;
    this.allReady = true;
    const ms = Math.round(this.clock.now() - this.startedAt);
    this.log(events.allReady(this.slots.length, ms));
    this.options.onAllReady?.(port);
  }

  /** A clock reading as epoch milliseconds. */
  private epoch(at: number): number {
    return Math.round(this.clock.wallNow() - (this.clock.now() - at));
  }

  // ClusterView, read by the probe server.

  state(): SupervisorState {
    return this.crashLooping ? 'crash-loop' : this.phase;
  }

  get plannedWorkers(): number {
    return this.slots.length;
  }

  get heartbeatIntervalMs(): number {
    return this.config.heartbeatIntervalMs;
  }

  startedUp(): boolean {
    return this.allReady;
  }

  workers(): WorkerView[] {
    return [...this.alive].map((worker) => worker.view((at) => this.epoch(at)));
  }

  slotRestarts(): { id: number; restarts: number }[] {
    return this.slots.map(({ id, restarts }) => ({ id, restarts }));
  }

  exits(): WorkerExit[] {
    return this.exitHistory.list();
  }

  /** Asks every ready worker for its metrics; one silent past `timeoutMs` gets none. */
  scrape(timeoutMs: number): Promise<ScrapedMetrics[]> {
    const ready = [...this.alive].filter((w) => w.readyAt !== undefined && !w.retiring);
    return this.metrics.ask(ready, timeoutMs);
  }
}
