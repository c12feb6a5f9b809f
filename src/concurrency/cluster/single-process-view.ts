import type { ClusterView, SupervisorState, WorkerView } from './cluster-view';
import type { ServedApp } from './served-app';

/** The process itself, as a cluster of one, for the probe server without a primary. */
export class SingleProcessView implements ClusterView {
  readonly mode = 'single';
  readonly plannedWorkers = 1;
  readonly heartbeatIntervalMs = 1_000;
  app?: ServedApp;
  stopping = false;
  private readonly startedAt = Date.now();
  private readyAt?: number;

  /** The app is up: from now on the view reports it. */
  serve(app: ServedApp): void {
    this.app = app;
    this.readyAt = Date.now();
  }

  state(): SupervisorState {
    return this.stopping ? 'stopping' : 'running';
  }

  startedUp(): boolean {
    return this.app !== undefined;
  }

  workers(): WorkerView[] {
    const base = { id: 0, pid: process.pid, startedAt: this.startedAt, restarts: 0 };
    // This process answers the probe, so its "heartbeat" is now.
    const lastHeartbeatAt = Date.now();
    if (!this.app) return [{ ...base, state: 'starting', lastHeartbeatAt }];
    return [
      {
        ...base,
        state: this.stopping ? 'draining' : 'ready',
        readyAt: this.readyAt,
        lastHeartbeatAt,
        snapshot: snapshotOf(this.app),
      },
    ];
  }

  slotRestarts(): { id: number; restarts: number }[] {
    return [{ id: 0, restarts: 0 }];
  }

  exits(): [] {
    return [];
  }

  async scrape(): Promise<{ id: number; metrics?: unknown }[]> {
    return [{ id: 0, metrics: (await this.app?.metrics?.()) ?? [] }];
  }
}

/** The app's snapshot; a failure shows as the worker's error, it never fails the probe. */
function snapshotOf(app: ServedApp): unknown {
  try {
    return app.snapshot?.();
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
