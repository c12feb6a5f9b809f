import type { ClusterView, SupervisorState, WorkerView } from '../../concurrency/cluster';
import { ClusterHealth } from './cluster-health';

/** A view the test drives by hand, with its own clock. */
function fakeView(workers: WorkerView[], state: SupervisorState = 'running'): ClusterView {
  return {
    mode: 'cluster',
    plannedWorkers: workers.length,
    heartbeatIntervalMs: 1_000,
    state: () => state,
    startedUp: () => true,
    workers: () => workers,
    slotRestarts: () => workers.map(({ id, restarts }) => ({ id, restarts })),
    exits: () => [],
    scrape: () => Promise.resolve([]),
  };
}

function worker(id: number, overrides: Partial<WorkerView> = {}): WorkerView {
  return {
    id,
    pid: 100 + id,
    state: 'ready',
    startedAt: 0,
    lastHeartbeatAt: 10_000,
    restarts: 0,
    ...overrides,
  };
}

describe('ClusterHealth', () => {
  const now = () => 10_500;
  const options = { minReadyWorkers: 1, readyHysteresisMs: 0 };

  it('is ready with enough healthy workers, and names the ones that are not', () => {
    const health = new ClusterHealth(
      fakeView([worker(1), worker(2, { lastHeartbeatAt: 8_000 })]),
      options,
      now,
    );
    const { statusCode, body } = health.ready();
    expect(statusCode).toBe(200);
    expect(body.details.cluster).toMatchObject({
      status: 'up',
      readyWorkers: 1,
      minReadyWorkers: 1,
    });
    expect(body.error['worker-2'].reason).toBe('unresponsive: no heartbeat for 2500 ms');
  });

  it('shows both workers of a slot during a replacement: the leaving one keyed by its pid', () => {
    const leaving = worker(1, { pid: 201, startedAt: 0, state: 'stopping' });
    const arriving = worker(1, { pid: 301, startedAt: 5_000 });
    const health = new ClusterHealth(fakeView([leaving, arriving, worker(2)]), options, now);
    for (const { body } of [health.ready(), health.full()]) {
      expect(body.details['worker-1']).toMatchObject({ pid: 301 });
      expect(body.details['worker-1@201']).toMatchObject({ pid: 201, status: 'down' });
      expect(body.details['worker-2']).toMatchObject({ pid: 102 });
    }
  });

  it('is not ready below the minimum, or when a worker reports itself not ready', () => {
    const saturated = worker(2, {
      snapshot: {
        readiness: {
          status: 'error',
          info: {},
          error: { eventLoop: { status: 'down', reason: 'event loop saturated' } },
          details: {},
        },
      },
    });
    const health = new ClusterHealth(
      fakeView([worker(1, { state: 'starting' }), saturated]),
      options,
      now,
    );
    const { statusCode, body } = health.ready();
    expect(statusCode).toBe(503);
    expect(body.error['worker-1'].reason).toBe('starting');
    expect(body.error['worker-2'].reason).toBe('eventLoop: event loop saturated');
  });

  it('turns unready at once when shutting down, and live stays up', () => {
    const health = new ClusterHealth(fakeView([worker(1), worker(2)], 'stopping'), options, now);
    expect(health.ready().statusCode).toBe(503);
    expect(health.ready().body.details.cluster.reason).toBe('shutting down');
    expect(health.live().statusCode).toBe(200);
  });

  it('is not live in a crash loop', () => {
    const health = new ClusterHealth(fakeView([worker(1)], 'crash-loop'), options, now);
    expect(health.live()).toMatchObject({
      statusCode: 503,
      body: { status: 'error', error: { supervisor: { state: 'crash-loop' } } },
    });
  });
});
