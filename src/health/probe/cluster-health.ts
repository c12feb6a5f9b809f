import type { ChildProcessStats } from '../../concurrency/child-process';
import type { ClusterView, WorkerView } from '../../concurrency/cluster';
import type { WorkerPoolStats } from '../../concurrency/worker-pool';
import { type AppSnapshot, type HealthReport, type IndicatorDetail, toReport } from '../snapshot';
import { ReadinessGate } from './readiness-gate';

export interface ClusterHealthOptions {
  minReadyWorkers: number;
  readyHysteresisMs: number;
}

export interface ProbeAnswer {
  statusCode: 200 | 503;
  body: HealthReport;
}

/** Heartbeats a worker may miss before it shows as unresponsive. */
const MISSED_HEARTBEATS = 2;

/**
 * The probe answers, computed from what the supervisor last heard from each worker: a
 * probe never waits on a worker, so a blocked worker cannot block or fail the probe.
 */
export class ClusterHealth {
  private readonly gate: ReadinessGate;

  constructor(
    private readonly view: ClusterView,
    private readonly options: ClusterHealthOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.gate = new ReadinessGate(options.readyHysteresisMs, now);
  }

  /** Up while the supervisor can heal itself: not crash-looping, this loop answering. */
  live(): ProbeAnswer {
    const state = this.view.state();
    const indicator = {
      mode: this.view.mode,
      state,
      pid: process.pid,
      workers: this.view.workers().length,
    };
    return answer([
      { supervisor: { status: state === 'crash-loop' ? 'down' : 'up', ...indicator } },
    ]);
  }

  /** Up when not shutting down and enough workers are ready and not saturated. */
  ready(): ProbeAnswer {
    const workers = this.view.workers().map((worker) => this.assess(worker));
    const healthy = workers.filter((worker) => worker.status === 'up').length;
    const stopping = this.view.state() !== 'running';
    const ready = this.gate.update(healthy >= this.options.minReadyWorkers, stopping);
    const cluster: IndicatorDetail = {
      status: ready ? 'up' : 'down',
      readyWorkers: healthy,
      minReadyWorkers: this.options.minReadyWorkers,
      plannedWorkers: this.view.plannedWorkers,
      ...(stopping ? { reason: 'shutting down' } : {}),
    };
    const keys = workerKeys(this.view.workers());
    return answer([{ cluster }, ...workers.map((w, i) => ({ [keys[i]]: w }))], ready);
  }

  /** Up once the first full set of workers was ready. */
  startup(): ProbeAnswer {
    const started = this.view.startedUp();
    return answer([
      {
        startup: {
          status: started ? 'up' : 'down',
          plannedWorkers: this.view.plannedWorkers,
          readyWorkers: this.view.workers().filter((w) => w.state === 'ready').length,
        },
      },
    ]);
  }

  /** The whole picture: readiness, every worker with its threads and processes, recent exits. */
  full(): ProbeAnswer {
    const readiness = this.ready();
    const now = this.now();
    const cluster = {
      ...readiness.body.details.cluster,
      mode: this.view.mode,
      state: this.view.state(),
      startedUp: this.view.startedUp(),
      primaryPid: process.pid,
      recentExits: this.view.exits().map((exit) => ({ ...exit, ageMs: now - exit.at })),
    };
    const views = this.view.workers();
    const keys = workerKeys(views);
    const workers = views.map((worker, i) => ({
      [keys[i]]: { ...this.assess(worker), ...this.describe(worker) },
    }));
    return answer([{ cluster }, ...workers], readiness.statusCode === 200);
  }

  private assess(worker: WorkerView): IndicatorDetail & { id: number } {
    const base = { id: worker.id, pid: worker.pid, state: worker.state };
    const down = (reason: string) => ({ status: 'down' as const, ...base, reason });
    if (worker.state !== 'ready') return down(worker.state);
    const silentMs = this.now() - worker.lastHeartbeatAt;
    if (silentMs > MISSED_HEARTBEATS * this.view.heartbeatIntervalMs) {
      return down(`unresponsive: no heartbeat for ${silentMs} ms`);
    }
    const snapshot = worker.snapshot as (Partial<AppSnapshot> & { error?: unknown }) | undefined;
    if (snapshot?.error !== undefined) {
      return down(`no health snapshot: ${JSON.stringify(snapshot.error)}`);
    }
    const readiness = snapshot?.readiness;
    if (readiness && readiness.status !== 'ok') {
      const reasons = Object.entries(readiness.error ?? {}).map(
        ([key, detail]) => `${key}: ${typeof detail.reason === 'string' ? detail.reason : 'down'}`,
      );
      return down(reasons.join('; '));
    }
    return { status: 'up', ...base };
  }

  private describe(worker: WorkerView): Record<string, unknown> {
    const now = this.now();
    // A snapshot is data from another process: read it defensively.
    const snapshot = worker.snapshot as Partial<AppSnapshot> | undefined;
    const pool = snapshot?.workerPool as Partial<WorkerPoolStats> | undefined;
    const runner = snapshot?.childProcess as Partial<ChildProcessStats> | undefined;
    return {
      uptimeMs: now - worker.startedAt,
      restarts: worker.restarts,
      lastHeartbeatAgeMs: now - worker.lastHeartbeatAt,
      eventLoop: snapshot?.eventLoop ?? { p99Ms: worker.loopDelayP99Ms },
      memory: snapshot?.memory ?? { rssBytes: worker.rssBytes },
      workerPool: pool && {
        threads: pool.threads,
        queueSize: pool.queueSize,
        threadRestarts: pool.threadRestarts,
        waitP99Ms: pool.waitTime?.p99,
        runP99Ms: pool.runTime?.p99,
        utilization: pool.utilization,
      },
      childProcess: runner && {
        processes: runner.running,
        queued: runner.queued,
        timedOut: runner.timedOut,
        killed: runner.killed,
        spawnHelper: runner.spawner,
      },
      jobs: snapshot?.jobs,
    };
  }
}

/**
 * `worker-<slot>` for each worker; during a replacement (rolling restart, RSS recycling) a
 * slot has two, and the one leaving is `worker-<slot>@<pid>` so that neither hides the other.
 */
function workerKeys(workers: readonly WorkerView[]): string[] {
  const newest = new Map<number, WorkerView>();
  for (const worker of workers) {
    const seen = newest.get(worker.id);
    if (!seen || worker.startedAt > seen.startedAt) newest.set(worker.id, worker);
  }
  return workers.map((worker) =>
    newest.get(worker.id) === worker ? `worker-${worker.id}` : `worker-${worker.id}@${worker.pid}`,
  );
}

function answer(results: Record<string, IndicatorDetail>[], ok?: boolean): ProbeAnswer {
  const body = toReport(results);
  const healthy = ok ?? body.status === 'ok';
  return { statusCode: healthy ? 200 : 503, body: { ...body, status: healthy ? 'ok' : 'error' } };
}
