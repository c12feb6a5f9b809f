import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { heldRequest } from './support/held-request';
import type { LogLine } from './support/log-lines';
import { SteadyLoad } from './support/load';
import { isAlive } from './support/processes';
import { waitFor } from './support/wait';
import { freePort, ServiceProcess } from './support/service-process';
import { type Example, workloadExamples, workloadKits } from './support/workloads';

/*
 * The cluster as it runs in production: the real `node dist/main.js`, a primary and two
 * forked workers, driven over real sockets by a steady load that this test generates (probes
 * and the README examples of the workloads present).
 */
/** Worker pids the primary reported ready, in order, from log line `from`. */
function readyPids(service: ServiceProcess, from = 0): number[] {
  return service.linesWith({ event: 'worker-ready' }, from).map((line) => line.pid);
}

/** The pid of each worker slot (1, 2) as last reported ready. */
function slotPids(service: ServiceProcess): number[] {
  const pids: number[] = [];
  for (const { slot, pid } of service.linesWith({ event: 'worker-ready' })) {
    pids[(slot as number) - 1] = pid;
  }
  return pids;
}

/** Index of the first log line with these fields, from line `from`. */
function indexOf(service: ServiceProcess, fields: Partial<LogLine>, from = 0): number {
  const line = service.linesWith(fields, from)[0];
  return line ? service.lines.indexOf(line) : -1;
}

/** Pids that answer `GET /health/live` on fresh connections (round robin spreads them). */
async function pidsOnNewConnections(port: number, count = 8): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/health/live`, {
      headers: { Connection: 'close' },
    });
    const body = (await response.json()) as { info: { process: { pid: number } } };
    pids.add(body.info.process.pid);
  }
  return pids;
}

/** Polls `url` until its JSON answer satisfies `done`; fails after `timeoutMs`. */
async function pollUntil(url: string, done: (body: unknown) => boolean, timeoutMs = 5_000) {
  const end = Date.now() + timeoutMs;
  while (!done(await (await fetch(url)).json())) {
    if (Date.now() > end) throw new Error(`${url}: not as awaited after ${timeoutMs} ms`);
    await delay(10);
  }
}

let work: Example[] = [];
beforeAll(async () => {
  work = await workloadExamples();
});

/** `it`, or `it.skip` when no workload is left to send a request with a body to. */
const withWork = workloadKits().length > 0 ? it : it.skip;

/** SHUTDOWN_DELAY_MS of the drain tests of a request in flight. */
const DRAIN_DELAY_MS = 5_000;

/**
 * A request in flight at SIGTERM whose answer is not begun when the drain begins (`draining`
 * resolves then): its answer, whole, says `Connection: close`, and its connection closes
 * right after it; not at the end of SHUTDOWN_DELAY_MS, when idle connections are cut.
 */
async function drainsRequestInFlight(
  service: ServiceProcess,
  port: number,
  draining: () => Promise<void>,
): Promise<void> {
  const [example] = work;
  const held = heldRequest(port, example);
  await held.taken;
  const signalled = performance.now();
  service.child.kill('SIGTERM');
  await draining();
  held.release();
  const answer = await held.answered;
  expect(await example.problems(answer)).toEqual([]);
  expect(answer.headers.connection).toBe('close');
  expect((await held.closed) - signalled).toBeLessThan(DRAIN_DELAY_MS);
  expect(await service.exited).toEqual({ code: 0, signal: null });
}

describe('cluster (node dist/main.js, 2 workers)', () => {
  let service: ServiceProcess | undefined;
  let load: SteadyLoad | undefined;
  afterEach(async () => {
    await load?.stop();
    load = undefined;
    await service?.stop();
    service = undefined;
  });

  async function startCluster(env: Record<string, string> = {}) {
    const port = await freePort();
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_WORKERS: '2',
      CLUSTER_HEARTBEAT_INTERVAL_MS: '200',
      CLUSTER_HEARTBEAT_TIMEOUT_MS: '1500',
      ...env,
    });
    await service.waitForLine({ event: 'all-ready', workers: 2 }, 30_000);
    const pids = slotPids(service);
    expect(pids).toHaveLength(2);
    return { service, port, pids };
  }

  it('logs its plan and replaces a worker killed with SIGKILL; the service goes on', async () => {
    const { service, port, pids } = await startCluster();
    const [plan] = service.linesWith({ event: 'plan' });
    expect(plan).toMatchObject({ worker: 'primary', clusterEnabled: true, workers: 2 });
    expect(plan.perWorker).toEqual({
      WORKER_POOL_THREADS: expect.any(Number) as unknown,
      WORKER_INLINE_CONCURRENCY: expect.any(Number) as unknown,
    });
    // Where the service is: once, from the primary, after every worker is ready.
    await service.waitForLine({ event: 'serving' });
    expect(service.linesWith({ event: 'serving' })).toEqual([
      expect.objectContaining({
        worker: 'primary',
        url: `http://localhost:${port}`,
        docsUrl: `http://localhost:${port}/docs`,
      }),
    ]);
    expect(service.lines.findIndex((line) => line.event === 'serving')).toBeGreaterThan(
      service.lines.findIndex((line) => line.event === 'all-ready'),
    );
    expect(plan.msg).toMatch(
      /^Cluster plan: 2 workers × \d+ pool threads? \+ \d+ inline image slots? each/,
    );
    load = new SteadyLoad(port, work).start();
    await delay(500);

    const mark = service.lines.length;
    process.kill(pids[0], 'SIGKILL');
    const { slot, pid } = await service.waitForLine({ event: 'worker-ready' }, 10_000, mark);
    expect(slot).toBe(1);
    expect(pids).not.toContain(pid);
    const replaced = Date.now();
    await waitFor(() => load!.succeededSince(replaced) > 10, 'requests after the replacement');
    await load.stop();

    const exits = service.linesWith({
      event: 'worker-exited',
      slot: 1,
      pid: pids[0],
      signal: 'SIGKILL',
    });
    expect(exits).toHaveLength(1);
    expect(load.succeededSince(replaced)).toBeGreaterThan(10);
    // Only the killed worker's requests may fail: the one in flight on each of its connections,
    // and new connections the primary handed to it before it reaped it (support/load.ts).
    const reapedAt = Date.parse(exits[0].time);
    expect(load.failuresNotExplainedBy(pids[0], { handedOverUntil: reapedAt })).toEqual([]);
    expect(await pidsOnNewConnections(port)).toEqual(new Set([pids[1], pid]));
  });

  it('kills and replaces a worker stopped with SIGSTOP (heartbeat watchdog)', async () => {
    const { service, port, pids } = await startCluster();
    load = new SteadyLoad(port, work, 4, 3_000).start();
    await delay(300);

    const mark = service.lines.length;
    const stoppedAt = Date.now();
    process.kill(pids[1], 'SIGSTOP');
    const silent = await service.waitForLine(
      { event: 'worker-silent', slot: 2, pid: pids[1] },
      10_000,
      mark,
    );
    const detectedMs = Date.parse(silent.time) - stoppedAt;
    const { pid } = await service.waitForLine({ event: 'worker-ready', slot: 2 }, 10_000, mark);
    // Silent for CLUSTER_HEARTBEAT_TIMEOUT_MS (1.5 s) since its last heartbeat, up to one
    // interval (200 ms) before the stop, seen at the next watch (every 200 ms): 1.9 s at most,
    // and 1 s of margin for a loaded machine. Replacing it is a boot, bounded by its own timeout.
    expect(detectedMs).toBeGreaterThanOrEqual(1_500 - 200);
    expect(detectedMs).toBeLessThan(1_500 + 2 * 200 + 1_000);
    expect(isAlive(pids[1])).toBe(false);
    const replaced = Date.now();
    await waitFor(() => load!.succeededSince(replaced) > 10, 'requests after the replacement');
    await load.stop();
    // The requests the stopped worker held: reset when it is killed; and new connections the
    // primary handed to it until it reaped it: reset, or lost until the client's timeout.
    const exits = service.linesWith({
      event: 'worker-exited',
      slot: 2,
      pid: pids[1],
      signal: 'SIGKILL',
    });
    expect(exits).toHaveLength(1);
    const reapedAt = Date.parse(exits[0].time);
    expect(load.failuresNotExplainedBy(pids[1], { handedOverUntil: reapedAt })).toEqual([]);
    expect(load.succeededSince(replaced)).toBeGreaterThan(10);
    expect(await pidsOnNewConnections(port)).toEqual(new Set([pids[0], pid]));
  });

  it('on SIGHUP restarts every worker, one at a time, without a failed request', async () => {
    const { service, port, pids } = await startCluster();
    load = new SteadyLoad(port, work, 6).start();
    await delay(500);

    const mark = service.lines.length;
    service.child.kill('SIGHUP');
    await service.waitForLine({ event: 'rolling-restart-done' }, 40_000, mark);
    const rolled = Date.now();
    await delay(500);
    await load.stop();

    const fresh = readyPids(service, mark);
    expect(fresh).toHaveLength(2);
    expect(fresh.some((pid) => pids.includes(pid))).toBe(false);
    expect(pids.some(isAlive)).toBe(false);
    expect(load.failures).toEqual([]);
    const answeredSince = [...load.pidsSince(rolled)];
    expect(answeredSince.length).toBeGreaterThan(0);
    for (const pid of answeredSince) expect(fresh).toContain(pid);
    expect(await pidsOnNewConnections(port)).toEqual(new Set(fresh));
    // One at a time: the second replacement is forked after the first old worker exited.
    const firstExit = indexOf(service, { event: 'worker-exited', pid: pids[0] }, mark);
    expect(firstExit).toBeGreaterThan(0);
    expect(firstExit).toBeLessThan(indexOf(service, { event: 'worker-forked', slot: 2 }, mark));
  }, 90_000); // three boots in a row: seconds when quiet, a minute on a loaded shared machine

  it('keeps every slot filled, once, when a worker dies just before a SIGHUP', async () => {
    const healthPort = await freePort();
    const { service, port, pids } = await startCluster({
      HEALTH_PORT: String(healthPort),
      CLUSTER_RESTART_BACKOFF_MS: '50',
    });
    const mark = service.lines.length;
    process.kill(pids[0], 'SIGKILL');
    await service.waitForLine({ event: 'worker-forked', slot: 1, reason: 'restart' }, 10_000, mark);
    service.child.kill('SIGHUP'); // while the restarted worker boots
    await service.waitForLine({ event: 'rolling-restart-done' }, 40_000, mark);

    expect(service.linesWith({ event: 'serving' })).toEqual([
      expect.objectContaining({
        healthUrl: `http://localhost:${healthPort}/health`,
        metricsUrl: `http://localhost:${healthPort}/metrics`,
      }),
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/^cluster_workers\{state="ready",worker="primary"\} 2$/m);
    expect(metrics).toMatch(/^cluster_workers\{state="starting",worker="primary"\} 0$/m);
    const live = readyPids(service).filter(isAlive);
    expect(live).toHaveLength(2);
    expect(await pidsOnNewConnections(port)).toEqual(new Set(live));
  }, 90_000);

  it('does not mistake its own pause for silent workers', async () => {
    const { service, pids } = await startCluster();
    const mark = service.lines.length;
    process.kill(service.child.pid!, 'SIGSTOP'); // the primary: heartbeats pile up unread
    await delay(3_000); // twice CLUSTER_HEARTBEAT_TIMEOUT_MS
    process.kill(service.child.pid!, 'SIGCONT');
    await delay(1_000);
    expect(service.linesWith({ event: 'worker-silent' }, mark)).toEqual([]);
    expect(pids.every(isAlive)).toBe(true);
  });

  it('on SIGTERM turns not ready at once, finishes every request in flight, and exits 0', async () => {
    const { service, port } = await startCluster({ SHUTDOWN_DELAY_MS: '3000' });
    load = new SteadyLoad(port, work, 6).start();
    await delay(500);

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    // During SHUTDOWN_DELAY_MS: not ready, but still serving.
    let ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    for (let i = 0; ready.status === 200 && i < 20; i++) {
      await delay(10);
      ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
    }
    expect(ready.status).toBe(503);
    expect(Date.now() - signalled).toBeLessThan(1_000);
    // Still serving during SHUTDOWN_DELAY_MS: wait for answers to requests sent after the signal.
    await waitFor(
      () => load!.succeededSince(signalled) > 5,
      'requests served during the delay',
      2_500,
    );
    await load.stop(); // stops sending before the delay ends and listeners close

    expect(await service.exited).toEqual({ code: 0, signal: null });
    // SHUTDOWN_DELAY_MS (3 s) of serving, then the drain of a few small requests: 2 s of margin.
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(3_000);
    expect(Date.now() - signalled).toBeLessThan(3_000 + 2_000);
    expect(load.failures).toEqual([]);
    expect(load.succeededSince(signalled)).toBeGreaterThan(5);
    expect(service.linesWith({ event: 'stopped', code: 0 })).toHaveLength(1);
  });

  withWork(
    'answers a request in flight at SIGTERM with Connection: close, then closes its connection',
    async () => {
      const healthPort = await freePort();
      const { service, port } = await startCluster({
        SHUTDOWN_DELAY_MS: String(DRAIN_DELAY_MS),
        HEALTH_PORT: String(healthPort),
      });
      // Every worker draining: the primary's picture shows it from the heartbeat each sends then.
      const everyWorkerDraining = (body: unknown) => {
        const { details } = body as { details: Record<string, { reason?: string }> };
        const workers = Object.keys(details).filter((key) => key.startsWith('worker-'));
        return (
          workers.length === 2 &&
          workers.every((key) => details[key].reason === 'lifecycle: shutting down')
        );
      };
      await drainsRequestInFlight(service, port, () =>
        pollUntil(`http://127.0.0.1:${healthPort}/health/ready`, everyWorkerDraining),
      );
    },
  );

  it('exits non-zero within seconds, after a bounded number of forks, when the port is taken', async () => {
    const blocker: Server = createServer();
    blocker.listen(0);
    await once(blocker, 'listening');
    const { port } = blocker.address() as { port: number };
    try {
      const started = Date.now();
      service = new ServiceProcess({
        PORT: String(port),
        CLUSTER_WORKERS: '2',
        CLUSTER_CRASH_LOOP_MAX_EXITS: '4',
      });
      const { code } = await service.exited;
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(service.output).toMatch(/EADDRINUSE/);
      expect(service.linesWith({ event: 'crash-loop', exits: 4 })).toHaveLength(1);
      const forks = service.linesWith({ event: 'worker-forked' });
      expect(forks.length).toBeGreaterThanOrEqual(4);
      expect(forks.length).toBeLessThanOrEqual(2 + 4);
    } finally {
      blocker.close();
    }
  });

  it('kills a worker that does not report ready within CLUSTER_WORKER_START_TIMEOUT_MS, and gives up in a crash loop', async () => {
    const port = await freePort();
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_WORKERS: '2',
      CLUSTER_WORKER_START_TIMEOUT_MS: '100', // far less than an app needs to boot
      CLUSTER_CRASH_LOOP_MAX_EXITS: '3',
    });
    const { code } = await service.exited;
    expect(code).toBe(1);
    expect(service.linesWith({ event: 'worker-start-timeout', ms: 100 }).length).toBeGreaterThan(0);
    expect(service.linesWith({ event: 'crash-loop', exits: 3 })).toHaveLength(1);
    expect(service.linesWith({ event: 'worker-ready' })).toEqual([]);
  });

  it('exits 1 at once on a second SIGTERM during the drain', async () => {
    const { service } = await startCluster({ SHUTDOWN_DELAY_MS: '20000' });
    service.child.kill('SIGTERM');
    await service.waitForLine({ event: 'shutdown', signal: 'SIGTERM' });
    const second = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - second).toBeLessThan(2_000);
    expect(service.linesWith({ event: 'shutdown-forced', signal: 'SIGTERM' })).toHaveLength(1);
  });

  it('replaces a worker above CLUSTER_WORKER_MAX_RSS_MB: the new one ready first, then the old one drained', async () => {
    const { service } = await startCluster({
      CLUSTER_WORKER_MAX_RSS_MB: '1',
      CLUSTER_STABLE_UPTIME_MS: '1000',
    });
    const { pid, slot } = await service.waitForLine({ event: 'worker-over-rss', maxMb: 1 });
    await service.waitForLine({ event: 'worker-exited', pid, code: 0 });
    const overRss = indexOf(service, { event: 'worker-over-rss', pid });
    const fork = service.linesWith({ event: 'worker-forked', slot }, overRss)[0];
    expect(fork).toMatchObject({ reason: 'memory recycling' });
    const readyAt = indexOf(service, { event: 'worker-ready', pid: fork.pid });
    expect(readyAt).toBeGreaterThan(overRss);
    expect(readyAt).toBeLessThan(indexOf(service, { event: 'worker-exited', pid, code: 0 }));
  });
});

describe('single process (CLUSTER_ENABLED=false)', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  it('serves without a primary and drains on SIGTERM with the same semantics', async () => {
    const port = await freePort();
    service = new ServiceProcess({ PORT: String(port), CLUSTER_ENABLED: 'false' });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
    expect(service.linesWith({ event: 'plan' })).toMatchObject([
      { worker: 'main', clusterEnabled: false, workers: 1 },
    ]);
    expect(service.lines.filter((line) => String(line.event).startsWith('worker-'))).toEqual([]);
    await service.waitForLine({ event: 'serving' });
    expect(service.linesWith({ event: 'serving' })).toMatchObject([
      { worker: 'main', url: `http://localhost:${port}` },
    ]);
    const live = (await (await fetch(`http://127.0.0.1:${port}/health/live`)).json()) as {
      info: { process: { pid: number } };
    };
    expect(live.info.process.pid).toBe(service.child.pid);

    const load = new SteadyLoad(port, work, 4).start();
    await delay(300);
    service.child.kill('SIGTERM');
    await load.stop();
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(load.failures).toEqual([]);
  });

  withWork(
    'answers a request in flight at SIGTERM with Connection: close, then closes its connection',
    async () => {
      const port = await freePort();
      service = new ServiceProcess({
        PORT: String(port),
        CLUSTER_ENABLED: 'false',
        SHUTDOWN_DELAY_MS: String(DRAIN_DELAY_MS),
      });
      const ready = `http://127.0.0.1:${port}/health/ready`;
      await service.waitForOk(ready);
      // Not ready and draining begin in the same call (GracefulShutdown.markNotReady).
      await drainsRequestInFlight(service, port, () =>
        pollUntil(ready, (body) => (body as { status: string }).status === 'error'),
      );
    },
  );
});
