import cluster, { type Worker } from 'node:cluster';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClusterConfig } from '../../config/cluster.config';
import {
  EXIT_CONFIG_ERROR,
  isWorkerMessage,
  type PrimaryMessage,
  type WorkerMessage,
} from './cluster.protocol';
import { clusterMessages as messages } from './cluster.messages';
import { CrashLoopDetector } from './crash-loop';
import { RestartBackoff } from './restart-backoff';
import { describePlan, type ThreadPlan } from './thread-plan';

/** Time a worker gets past its own shutdown timeout before the primary kills it. */
const KILL_GRACE_MS = 2_000;

/** One forked app worker, from fork to exit. */
interface Member {
  readonly worker: Worker;
  readonly slot: Slot;
  readonly forkedAt: number;
  readyAt?: number;
  lastHeartbeat: number;
  rssBytes: number;
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
}

/**
 * The primary process: forks the planned workers and keeps them healthy. It loads no app
 * code (with round-robin scheduling it sits in the path of every connection), so it stays
 * small and its event loop free for accepting and handing over connections.
 */
export class ClusterPrimary {
  private readonly members = new Set<Member>();
  private readonly slots: Slot[];
  private readonly crashLoop: CrashLoopDetector;
  private state: 'running' | 'stopping' = 'running';
  private allReadyLogged = false;
  private replacements: Promise<unknown> = Promise.resolve();
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly config: ClusterConfig,
    private readonly plan: ThreadPlan,
    private readonly log: (line: string) => void = console.log,
  ) {
    this.crashLoop = new CrashLoopDetector({
      maxUnstableExits: config.crashLoopMaxExits,
      windowMs: config.crashLoopWindowMs,
      stableUptimeMs: config.stableUptimeMs,
    });
    this.slots = Array.from({ length: plan.workers }, (_, index) => ({
      id: index + 1,
      replacing: false,
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
    this.watchdog = setInterval(
      () => this.watch(),
      Math.min(this.config.heartbeatIntervalMs, 1_000),
    );
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
      this.log(messages.startTimeout(slot.id, pid(member), this.config.workerStartTimeoutMs));
      worker.process.kill('SIGKILL');
    }, this.config.workerStartTimeoutMs);
    void ready.then(() => clearTimeout(startTimer));
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) this.onMessage(member, message);
    });
    worker.once('exit', (code: number | null, signal: string | null) =>
      this.onExit(member, code, signal),
    );
    return member;
  }

  private onMessage(member: Member, message: WorkerMessage): void {
    member.lastHeartbeat = Date.now();
    if (message.cluster === 'ready') {
      member.readyAt = Date.now();
      this.log(messages.ready(member.slot.id, pid(member), member.readyAt - member.forkedAt));
      member.slot.current ??= member;
      member.markReady(true);
      this.logAllReady();
      return;
    }
    member.rssBytes = message.rssBytes;
    const maxMb = this.config.workerMaxRssMb;
    const slot = member.slot;
    if (maxMb > 0 && message.rssBytes > maxMb * 2 ** 20 && this.canReplace(member)) {
      this.log(messages.overRss(slot.id, pid(member), Math.round(message.rssBytes / 2 ** 20), maxMb));
      void this.enqueueReplace(slot, 'memory recycling');
    }
  }

  /** Not before a stable uptime: a limit below a fresh worker's RSS must not become a fork loop. */
  private canReplace(member: Member): boolean {
    return (
      this.state === 'running' &&
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
    this.log(messages.exited(slot.id, pid(member), signal ? `signal ${signal}` : `code ${code}`, uptimeMs));
    if (slot.current === member) slot.current = undefined;
    if (this.state === 'stopping' || member.retiring) return;

    if (code === EXIT_CONFIG_ERROR && member.readyAt === undefined) {
      this.log(messages.configError(slot.id));
      void this.stop(1);
      return;
    }
    if (this.crashLoop.record({ uptimeMs, ready: member.readyAt !== undefined })) {
      this.log(messages.crashLoop(this.crashLoop.recentUnstableExits, this.config.crashLoopWindowMs));
      void this.stop(1);
      return;
    }
    // A replacement in progress fills the slot; otherwise restart after the backoff.
    if (slot.current || slot.replacing) return;
    const delayMs = slot.backoff.next(uptimeMs);
    this.log(messages.restarting(slot.id, delayMs, slot.backoff.attempts));
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.state === 'running' && !slot.current && !slot.replacing) this.fork(slot, 'restart');
    }, delayMs);
  }

  /** Kills workers that went silent: a blocked event loop, or a process stopped with SIGSTOP. */
  private watch(): void {
    const now = Date.now();
    for (const member of this.members) {
      if (member.readyAt === undefined || member.retiring) continue;
      const silentMs = now - member.lastHeartbeat;
      if (silentMs > this.config.heartbeatTimeoutMs) {
        this.log(messages.silent(member.slot.id, pid(member), silentMs));
        member.lastHeartbeat = now; // one kill per silence
        member.worker.process.kill('SIGKILL');
      }
    }
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
      if (this.state !== 'running') return false;
      const old = slot.current;
      const fresh = this.fork(slot, reason);
      if (!(await fresh.ready)) {
        this.log(messages.replaceFailed(slot.id));
        return false;
      }
      slot.current = fresh;
      if (old) await this.retire(old);
      return true;
    } finally {
      slot.replacing = false;
    }
  }

  /** Asks a worker to drain and exit; kills it if it outlives its shutdown timeout. */
  private async retire(member: Member): Promise<void> {
    member.retiring = true;
    const timeoutMs = this.config.shutdownTimeoutMs;
    send(member, { cluster: 'shutdown', timeoutMs });
    const killer = setTimeout(() => member.worker.process.kill('SIGKILL'), timeoutMs + KILL_GRACE_MS);
    await member.exited;
    clearTimeout(killer);
  }

  private async rollingRestart(): Promise<void> {
    if (this.state !== 'running') return;
    const started = Date.now();
    this.log(messages.rolling(this.slots.length));
    for (const slot of this.slots) {
      if (slot.replacing) continue;
      await this.enqueueReplace(slot, 'rolling restart');
    }
    if (this.state === 'running') this.log(messages.rolled(Date.now() - started));
  }

  private async shutdown(signal: NodeJS.Signals): Promise<void> {
    if (this.state === 'stopping') {
      this.log(`Cluster: second ${signal}: stopping now`);
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
      this.log(messages.stragglers(this.members.size));
      for (const member of this.members) member.worker.process.kill('SIGKILL');
    }, shutdownTimeoutMs + KILL_GRACE_MS);
    const exits = [...this.members].map(async (member) => {
      member.retiring = true;
      // A worker still starting serves nothing yet: stopping it loses nothing.
      if (member.readyAt === undefined) member.worker.process.kill('SIGTERM');
      else send(member, { cluster: 'shutdown', timeoutMs: shutdownTimeoutMs });
      const code = await member.exited;
      if (member.readyAt !== undefined && code !== 0) failed = true;
    });
    await Promise.all(exits);
    clearTimeout(killer);
    const code = failed ? 1 : 0;
    this.log(messages.stopped(code));
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
    this.log(messages.stopped(code));
    process.exit(code);
  }

  private beginStopping(): void {
    this.state = 'stopping';
    clearInterval(this.watchdog);
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
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

/** A worker whose channel already closed is exiting: nothing to tell it. */
function send(member: Member, message: PrimaryMessage): void {
  if (member.worker.isConnected()) member.worker.send(message);
}
