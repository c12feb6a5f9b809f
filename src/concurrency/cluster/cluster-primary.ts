import cluster, { type Worker } from 'node:cluster';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterConfig } from '../../config/cluster.config';
import { logLine, type LogLine } from '../../logging/process-logger';
import {
  EXIT_CONFIG_ERROR,
  isWorkerMessage,
  type PrimaryMessage,
  type WorkerMessage,
} from './cluster.protocol';
import { clusterMessages as messages } from './cluster.messages';
import type { ClusterView, SupervisorState, WorkerExit, WorkerView } from './cluster-view';
import { CrashLoopDetector } from './crash-loop';
import { RestartBackoff } from './restart-backoff';
import { describePlan, type ThreadPlan } from './thread-plan';

/** Time a worker gets past its own shutdown timeout before the primary kills it. */
export const KILL_GRACE_MS = 2_000;

/** One forked app worker, from fork to exit. */
interface Member {
  readonly worker: Worker;
  readonly slot: Slot;
  readonly forkedAt: number;
  readyAt?: number;
  lastHeartbeat: number;
  rssBytes: number;
  loopDelayP99Ms?: number;
  snapshot?: unknown;
  /** Set when the supervisor ends it, for the exit record. */
  endReason?: WorkerExit['reason'];
  /** Its exit is expected (replaced or shutting down): no restart, no crash accounting. */
  retiring: boolean;
  readonly ready: Promise<boolean>;
  readonly exited: Promise<number | null>;
  markReady(ready: boolean): void;
}

/** A place for one worker: the primary keeps `workers` slots filled. */
interface Slot {
  readonly id: number;
  current?: Member;
  readonly backoff: RestartBackoff;
  restartTimer?: NodeJS.Timeout;
  replacing: boolean;
  restarts: number;
}

/** Exits kept for `/health`. */
const EXITS_KEPT = 20;

/**
 * The primary process: forks the planned workers and keeps them healthy. It loads no app
 * code (with round-robin scheduling it sits in the path of every connection), so it stays
 * small and its event loop free for accepting and handing over connections.
 */
export class ClusterPrimary implements ClusterView {
  readonly mode = 'cluster';
  private readonly recentExits: WorkerExit[] = [];
  private readonly scrapes = new Map<number, (metrics: unknown) => void>();
  private scrapeIds = 0;
  private crashLooping = false;
  private readonly members = new Set<Member>();
  private readonly slots: Slot[];
  private readonly crashLoop: CrashLoopDetector;
  private phase: 'running' | 'stopping' = 'running';
  private allReadyLogged = false;
  private replacements: Promise<unknown> = Promise.resolve();
  private watchdog?: NodeJS.Timeout;
  private lastWatch = Date.now();

  constructor(
    private readonly config: ClusterConfig,
    private readonly plan: ThreadPlan,
    private readonly log: LogLine = logLine,
  ) {
    this.crashLoop = new CrashLoopDetector({
      maxUnstableExits: config.crashLoopMaxExits,
      windowMs: config.crashLoopWindowMs,
      stableUptimeMs: config.stableUptimeMs,
    });
    this.slots = Array.from({ length: plan.workers }, (_, index) => ({
      id: index + 1,
      replacing: false,
      restarts: 0,
      backoff: new RestartBackoff({
        initialMs: config.restartBackoffMs,
        maxMs: config.restartBackoffMaxMs,
        stableUptimeMs: config.stableUptimeMs,
      }),
    }));
  }

  start(): void {
    // Round robin (Node's default on Linux) spreads connections evenly; the operator may
    // choose NODE_CLUSTER_SCHED_POLICY=none (README, "Known limit").
    if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_RR;
    this.log(describePlan(this.plan));
    for (const slot of this.slots) this.fork(slot, 'start');
    this.lastWatch = Date.now();
    this.watchdog = setInterval(() => this.watch(), this.watchIntervalMs);
    process.on('SIGTERM', () => void this.shutdown('SIGTERM'));
    process.on('SIGINT', () => void this.shutdown('SIGINT'));
    process.on('SIGHUP', () => void this.rollingRestart());
  }

  private fork(slot: Slot, reason: string): Member {
    const worker = cluster.fork({
      ...this.plan.workerEnv,
      CLUSTER_WORKER_ID: String(slot.id),
    });
    let markReady!: (ready: boolean) => void;
    const ready = new Promise<boolean>((resolve) => (markReady = resolve));
    const member: Member = {
      worker,
      slot,
      forkedAt: Date.now(),
      lastHeartbeat: Date.now(),
      rssBytes: 0,
      retiring: false,
      ready,
      markReady,
      exited: new Promise((resolve) => worker.once('exit', (code: number | null) => resolve(code))),
    };
    this.members.add(member);
    this.log(messages.forked(slot.id, worker.process.pid ?? 0, reason));
    const startTimer = setTimeout(() => {
      this.log(
        messages.startTimeout(slot.id, pid(member), this.config.workerStartTimeoutMs),
        'warn',
      );
      member.endReason = 'start timeout';
      worker.process.kill('SIGKILL');
    }, this.config.workerStartTimeoutMs);
    void ready.then(() => clearTimeout(startTimer));
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.onMessage(member, message);
    });
    // A send that races the worker's death fails with EPIPE: the exit event follows.
    worker.on('error', (error: Error) =>
      this.log(messages.ipcError(slot.id, pid(member), error.message), 'warn'),
    );
    worker.once('exit', (code: number | null, signal: string | null) =>
      this.onExit(member, code, signal),
    );
    return member;
  }

  private onMessage(member: Member, message: WorkerMessage): void {
    if (message.cluster === 'metrics') {
      this.scrapes.get(message.id)?.(message.metrics);
      return;
    }
    member.lastHeartbeat = Date.now();
    if (message.cluster === 'ready') {
      member.readyAt = Date.now();
      member.snapshot = message.snapshot;
      this.log(messages.ready(member.slot.id, pid(member), member.readyAt - member.forkedAt));
      member.slot.current ??= member;
      member.markReady(true);
      this.logAllReady();
      // Ready during SHUTDOWN_DELAY_MS: it must not report ready either.
      if (this.phase === 'stopping') send(member, { cluster: 'not-ready' });
      return;
    }
    member.rssBytes = message.rssBytes;
    member.loopDelayP99Ms = message.loopDelayP99Ms;
    if (message.snapshot !== undefined) member.snapshot = message.snapshot;
    const maxMb = this.config.workerMaxRssMb;
    const slot = member.slot;
    if (maxMb > 0 && message.rssBytes > maxMb * 2 ** 20 && this.canReplace(member)) {
      this.log(
        messages.overRss(slot.id, pid(member), Math.round(message.rssBytes / 2 ** 20), maxMb),
      );
      void this.enqueueReplace(slot, 'memory recycling');
    }
  }

  /** Not before a stable uptime: a limit below a fresh worker's RSS must not become a fork loop. */
  private canReplace(member: Member): boolean {
    return (
      this.phase === 'running' &&
      member.slot.current === member &&
      !member.slot.replacing &&
      Date.now() - member.forkedAt >= this.config.stableUptimeMs
    );
  }

  private onExit(member: Member, code: number | null, signal: string | null): void {
    this.members.delete(member);
    member.markReady(false);
    const slot = member.slot;
    const uptimeMs = Date.now() - member.forkedAt;
    this.log(
      messages.exited(slot.id, pid(member), signal ? `signal ${signal}` : `code ${code}`, uptimeMs),
      member.retiring || this.phase === 'stopping' ? 'info' : 'warn',
    );
    if (slot.current === member) slot.current = undefined;
    this.recordExit(member, code, signal, uptimeMs);
    if (this.phase === 'stopping' || member.retiring) return;

    if (code === EXIT_CONFIG_ERROR && member.readyAt === undefined) {
      this.log(messages.configError(slot.id), 'error');
      void this.stop(1);
      return;
    }
    if (this.crashLoop.record({ uptimeMs, ready: member.readyAt !== undefined })) {
      this.crashLooping = true;
      this.log(
        messages.crashLoop(this.crashLoop.recentUnstableExits, this.config.crashLoopWindowMs),
        'error',
      );
      void this.stop(1);
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
    this.log(messages.restarting(slot.id, delayMs, slot.backoff.attempts));
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      // A replacement in progress fills the slot, or calls back here if it fails.
      if (this.phase === 'running' && !slot.replacing && this.membersOf(slot).length === 0) {
        this.fork(slot, 'restart');
      }
    }, delayMs);
  }

  /** Workers of a slot that are not on their way out: the serving one and any starting one. */
  private membersOf(slot: Slot): Member[] {
    return [...this.members].filter((m) => m.slot === slot && !m.retiring);
  }

  /** Kills workers that went silent: a blocked event loop, or a process stopped with SIGSTOP. */
  private watch(): void {
    const now = Date.now();
    const sinceLastWatch = now - this.lastWatch;
    this.lastWatch = now;
    // This process was paused (SIGSTOP, a frozen VM, CPU throttling): the heartbeats waiting
    // in the IPC channels are read after timers run, so everyone looks silent. Start over.
    if (sinceLastWatch > this.watchIntervalMs * 2 + 1_000) {
      for (const member of this.members) member.lastHeartbeat = now;
      return;
    }
    for (const member of this.members) {
      if (member.readyAt === undefined || member.retiring) continue;
      const silentMs = now - member.lastHeartbeat;
      if (silentMs > this.config.heartbeatTimeoutMs) {
        this.log(messages.silent(member.slot.id, pid(member), silentMs), 'warn');
        member.lastHeartbeat = now; // one kill per silence
        member.endReason = 'heartbeat timeout';
        member.worker.process.kill('SIGKILL');
      }
    }
  }

  private get watchIntervalMs(): number {
    return Math.min(this.config.heartbeatIntervalMs, 1_000);
  }

  private enqueueReplace(slot: Slot, reason: string): Promise<boolean> {
    slot.replacing = true;
    const done = this.replacements.then(() => this.replace(slot, reason));
    this.replacements = done;
    return done;
  }

  /** The replacement is forked and ready before the old worker drains: capacity never dips. */
  private async replace(slot: Slot, reason: string): Promise<boolean> {
    try {
      if (this.phase !== 'running') return false;
      const fresh = this.fork(slot, reason);
      if (!(await fresh.ready)) {
        this.log(messages.replaceFailed(slot.id), 'warn');
        return false;
      }
      // Shutdown began meanwhile: it drains every worker, this one included.
      if (this.phase !== 'running') return false;
      slot.current = fresh;
      // The old worker, and any other started for this slot meanwhile (a restart in flight).
      const others = this.membersOf(slot).filter((member) => member !== fresh);
      await Promise.all(others.map((member) => this.retire(member)));
      return true;
    } finally {
      slot.replacing = false;
      if (!slot.current) this.scheduleRestart(slot, 0);
    }
  }

  /** Asks a worker to drain and exit; kills it if it outlives its shutdown timeout. */
  private async retire(member: Member): Promise<void> {
    member.retiring = true;
    member.endReason = 'replaced';
    const timeoutMs = this.config.shutdownTimeoutMs;
    send(member, { cluster: 'shutdown', timeoutMs });
    const killer = setTimeout(
      () => member.worker.process.kill('SIGKILL'),
      timeoutMs + KILL_GRACE_MS,
    );
    await member.exited;
    clearTimeout(killer);
  }

  private async rollingRestart(): Promise<void> {
    if (this.phase !== 'running') return;
    const started = Date.now();
    this.log(messages.rolling(this.slots.length));
    for (const slot of this.slots) {
      if (slot.replacing) continue;
      await this.enqueueReplace(slot, 'rolling restart');
    }
    if (this.phase === 'running') this.log(messages.rolled(Date.now() - started));
  }

  private async shutdown(signal: NodeJS.Signals): Promise<void> {
    if (this.phase === 'stopping') {
      this.log(`Cluster: second ${signal}: stopping now`, 'warn');
      for (const member of this.members) member.worker.process.kill('SIGKILL');
      process.exit(1);
    }
    this.beginStopping();
    const { shutdownDelayMs, shutdownTimeoutMs } = this.config;
    this.log(messages.shutdown(signal, shutdownDelayMs, shutdownTimeoutMs));
    for (const member of this.members) {
      if (member.readyAt !== undefined) send(member, { cluster: 'not-ready' });
    }
    if (shutdownDelayMs > 0) await delay(shutdownDelayMs);

    let failed = false;
    const killer = setTimeout(() => {
      failed = true;
      this.log(messages.stragglers(this.members.size), 'warn');
      for (const member of this.members) member.worker.process.kill('SIGKILL');
    }, shutdownTimeoutMs + KILL_GRACE_MS);
    const exits = [...this.members].map(async (member) => {
      member.retiring = true;
      member.endReason = 'shutdown';
      // A worker still starting serves nothing yet: stopping it loses nothing.
      if (member.readyAt === undefined) member.worker.process.kill('SIGTERM');
      else send(member, { cluster: 'shutdown', timeoutMs: shutdownTimeoutMs });
      const code = await member.exited;
      if (member.readyAt !== undefined && code !== 0) failed = true;
    });
    await Promise.all(exits);
    clearTimeout(killer);
    const code = failed ? 1 : 0;
    this.log(messages.stopped(code), code === 0 ? 'info' : 'error');
    process.exit(code);
  }

  /** Stops the cluster after a fatal condition (crash loop, bad configuration). */
  private async stop(code: number): Promise<void> {
    this.beginStopping();
    const killer = setTimeout(() => {
      for (const member of this.members) member.worker.process.kill('SIGKILL');
    }, KILL_GRACE_MS);
    for (const member of this.members) member.worker.process.kill('SIGTERM');
    await Promise.all([...this.members].map((member) => member.exited));
    clearTimeout(killer);
    this.log(messages.stopped(code), code === 0 ? 'info' : 'error');
    process.exit(code);
  }

  private beginStopping(): void {
    this.phase = 'stopping';
    clearInterval(this.watchdog);
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
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
    return this.allReadyLogged;
  }

  workers(): WorkerView[] {
    return [...this.members].map((member) => ({
      id: member.slot.id,
      pid: pid(member),
      state: member.retiring ? 'draining' : member.readyAt === undefined ? 'starting' : 'ready',
      startedAt: member.forkedAt,
      readyAt: member.readyAt,
      lastHeartbeatAt: member.lastHeartbeat,
      restarts: member.slot.restarts,
      loopDelayP99Ms: member.loopDelayP99Ms,
      rssBytes: member.rssBytes || undefined,
      snapshot: member.snapshot,
    }));
  }

  slotRestarts(): { id: number; restarts: number }[] {
    return this.slots.map(({ id, restarts }) => ({ id, restarts }));
  }

  exits(): WorkerExit[] {
    return [...this.recentExits];
  }

  /** Asks every ready worker for its metrics; one silent past `timeoutMs` gets none. */
  scrape(timeoutMs: number): Promise<{ id: number; metrics?: unknown }[]> {
    const ready = [...this.members].filter((m) => m.readyAt !== undefined && !m.retiring);
    return Promise.all(
      ready.map(
        (member) =>
          new Promise<{ id: number; metrics?: unknown }>((resolve) => {
            const id = ++this.scrapeIds;
            const done = (metrics?: unknown) => {
              clearTimeout(timer);
              this.scrapes.delete(id);
              resolve({ id: member.slot.id, metrics });
            };
            const timer = setTimeout(done, timeoutMs);
            this.scrapes.set(id, done);
            send(member, { cluster: 'metrics-request', id }, () => done());
          }),
      ),
    );
  }

  private recordExit(
    member: Member,
    code: number | null,
    signal: string | null,
    uptimeMs: number,
  ): void {
    this.recentExits.unshift({
      id: member.slot.id,
      pid: pid(member),
      code,
      signal,
      uptimeMs,
      at: Date.now(),
      reason: member.endReason ?? (this.phase === 'stopping' ? 'shutdown' : 'unexpected'),
      wasReady: member.readyAt !== undefined,
    });
    this.recentExits.length = Math.min(this.recentExits.length, EXITS_KEPT);
  }

  private logAllReady(): void {
    if (this.allReadyLogged || this.slots.some((slot) => !slot.current)) return;
    this.allReadyLogged = true;
    this.log(messages.allReady(this.slots.length, Math.round(process.uptime() * 1000)));
  }
}

function pid(member: Member): number {
  return member.worker.process.pid ?? 0;
}

/**
 * Sends over a worker's IPC channel. A worker whose channel closed is exiting: nothing to
 * tell it; `onFailure` (if any) runs then, or when the send fails (EPIPE: it just died).
 */
function send(member: Member, message: PrimaryMessage, onFailure?: () => void): void {
  if (!member.worker.isConnected()) {
    onFailure?.();
    return;
  }
  member.worker.send(message, undefined, undefined, (error: Error | null) => {
    if (error) onFailure?.();
  });
}
