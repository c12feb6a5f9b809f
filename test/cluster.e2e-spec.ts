import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { SteadyLoad } from './support/load';
import { waitFor } from './support/wait';
import { freePort, ServiceProcess } from './support/service-process';
import { type Example, workloadExamples } from './support/workloads';

/*
 * The cluster as it runs in production: the real `node dist/main.js`, a primary and two
 * forked workers, driven over real sockets by a steady load that this test generates (probes
 * and the README examples of the workloads present).
 */
const READY = /Cluster: worker (\d+) ready \(pid (\d+)\)/g;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Worker pids the primary reported ready, in order, from output offset `from`. */
function readyPids(service: ServiceProcess, from = 0): number[] {
  return [...service.output.slice(from).matchAll(READY)].map((match) => Number(match[2]));
}

/** The pid of each worker slot (1, 2) as last reported ready. */
function slotPids(service: ServiceProcess): number[] {
  const pids: number[] = [];
  for (const [, slot, pid] of service.output.matchAll(READY)) pids[Number(slot) - 1] = Number(pid);
  return pids;
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

let work: Example[] = [];
beforeAll(async () => {
  work = await workloadExamples();
});

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
    await service.waitForOutput(/Cluster: all 2 workers ready/);
    const pids = slotPids(service);
    expect(pids).toHaveLength(2);
    return { service, port, pids };
  }

  it('logs its plan and replaces a worker killed with SIGKILL; the service goes on', async () => {
    const { service, port, pids } = await startCluster();
    expect(service.output).toMatch(
      /Cluster plan: 2 workers × \d+ pool threads? \+ \d+ inline image slots? each, CPU budget \d+ \(/,
    );
    load = new SteadyLoad(port, work).start();
    await delay(500);

    const mark = service.output.length;
    process.kill(pids[0], 'SIGKILL');
    const [, slot, pid] = await service.waitForOutput(
      /Cluster: worker (\d+) ready \(pid (\d+)\)/,
      10_000,
      mark,
    );
    expect(slot).toBe('1');
    expect(pids).not.toContain(Number(pid));
    const replaced = Date.now();
    await waitFor(() => load!.succeededSince(replaced) > 10, 'requests after the replacement');
    await load.stop();

    expect(service.output).toMatch(
      new RegExp(`worker 1 \\(pid ${pids[0]}\\) exited with signal SIGKILL`),
    );
    expect(load.succeededSince(replaced)).toBeGreaterThan(10);
    // Only requests the killed worker was serving may fail: at most one per connection.
    expect(load.failures.length).toBeLessThanOrEqual(4);
    expect(await pidsOnNewConnections(port)).toEqual(new Set([pids[1], Number(pid)]));
  });

  it('kills and replaces a worker stopped with SIGSTOP (heartbeat watchdog)', async () => {
    const { service, port, pids } = await startCluster();
    load = new SteadyLoad(port, work, 4, 3_000).start();
    await delay(300);

    const mark = service.output.length;
    const stoppedAt = Date.now();
    process.kill(pids[1], 'SIGSTOP');
    await service.waitForOutput(
      new RegExp(`worker 2 \\(pid ${pids[1]}\\) sent no heartbeat for \\d+ ms`),
      10_000,
      mark,
    );
    const [, pid] = await service.waitForOutput(
      /Cluster: worker 2 ready \(pid (\d+)\)/,
      10_000,
      mark,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
    expect(isAlive(pids[1])).toBe(false);
    const replaced = Date.now();
    await waitFor(() => load!.succeededSince(replaced) > 10, 'requests after the replacement');
    await load.stop();
    // The requests the stopped worker held: reset when it is killed, or, for the one
    // connection the primary was handing it, lost until the client's timeout (README).
    expect(load.failures.length).toBeLessThanOrEqual(4);
    expect(load.succeededSince(replaced)).toBeGreaterThan(10);
    expect(await pidsOnNewConnections(port)).toEqual(new Set([pids[0], Number(pid)]));
  });

  it('on SIGHUP restarts every worker, one at a time, without a failed request', async () => {
    const { service, port, pids } = await startCluster();
    load = new SteadyLoad(port, work, 6).start();
    await delay(500);

    const mark = service.output.length;
    service.child.kill('SIGHUP');
    await service.waitForOutput(/Cluster: rolling restart done/, 20_000, mark);
    const rolled = Date.now();
    await delay(500);
    await load.stop();

    const fresh = readyPids(service, mark);
    expect(fresh).toHaveLength(2);
    expect(fresh.some((pid) => pids.includes(pid))).toBe(false);
    expect(pids.some(isAlive)).toBe(false);
    expect(load.failures).toEqual([]);
    for (const pid of load.pidsSince(rolled)) expect(fresh).toContain(pid);
    expect(await pidsOnNewConnections(port)).toEqual(new Set(fresh));
    // One at a time: the second replacement is forked after the first old worker exited.
    const log = service.output.slice(mark);
    expect(log.indexOf(`(pid ${pids[0]}) exited`)).toBeLessThan(log.indexOf('worker 2 forked'));
  });

  it('keeps every slot filled, once, when a worker dies just before a SIGHUP', async () => {
    const healthPort = await freePort();
    const { service, port, pids } = await startCluster({
      HEALTH_PORT: String(healthPort),
      CLUSTER_RESTART_BACKOFF_MS: '50',
    });
    const mark = service.output.length;
    process.kill(pids[0], 'SIGKILL');
    await service.waitForOutput(/Cluster: worker 1 forked \(pid \d+, restart\)/, 10_000, mark);
    service.child.kill('SIGHUP'); // while the restarted worker boots
    await service.waitForOutput(/Cluster: rolling restart done/, 20_000, mark);

    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/^cluster_workers\{state="ready",worker="primary"\} 2$/m);
    expect(metrics).toMatch(/^cluster_workers\{state="starting",worker="primary"\} 0$/m);
    const live = readyPids(service).filter(isAlive);
    expect(live).toHaveLength(2);
    expect(await pidsOnNewConnections(port)).toEqual(new Set(live));
  });

  it('does not mistake its own pause for silent workers', async () => {
    const { service, pids } = await startCluster();
    const mark = service.output.length;
    process.kill(service.child.pid!, 'SIGSTOP'); // the primary: heartbeats pile up unread
    await delay(3_000); // twice CLUSTER_HEARTBEAT_TIMEOUT_MS
    process.kill(service.child.pid!, 'SIGCONT');
    await delay(1_000);
    expect(service.output.slice(mark)).not.toMatch(/sent no heartbeat/);
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
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(load.failures).toEqual([]);
    expect(load.succeededSince(signalled)).toBeGreaterThan(5);
    expect(service.output).toMatch(/Cluster: all workers gone, exiting 0/);
  });

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
      expect(service.output).toMatch(/Cluster: crash loop, 4 unstable worker exits/);
      const forks = service.output.match(/Cluster: worker \d+ forked/g) ?? [];
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
    expect(service.output).toMatch(
      /Cluster: worker \d+ \(pid \d+\) not ready after 100 ms; killing it/,
    );
    expect(service.output).toMatch(/Cluster: crash loop, 3 unstable worker exits/);
    expect(service.output).not.toMatch(/Cluster: worker \d+ ready/);
  });

  it('exits 1 at once on a second SIGTERM during the drain', async () => {
    const { service } = await startCluster({ SHUTDOWN_DELAY_MS: '20000' });
    service.child.kill('SIGTERM');
    await service.waitForOutput(/Cluster: SIGTERM received/);
    const second = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(Date.now() - second).toBeLessThan(2_000);
    expect(service.output).toMatch(/Cluster: second SIGTERM: stopping now/);
  });

  it('replaces a worker above CLUSTER_WORKER_MAX_RSS_MB: the new one ready first, then the old one drained', async () => {
    const { service } = await startCluster({
      CLUSTER_WORKER_MAX_RSS_MB: '1',
      CLUSTER_STABLE_UPTIME_MS: '1000',
    });
    const [, pid] = await service.waitForOutput(
      /Cluster: worker \d+ \(pid (\d+)\) uses \d+ MiB RSS, above 1 MiB; replacing it/,
    );
    const log = () => service.output;
    await service.waitForOutput(new RegExp(`\\(pid ${pid}\\) exited with code 0`));
    const text = log();
    const replacement = text.indexOf('forked', text.indexOf(`(pid ${pid}) uses`));
    const readyAfter = text.indexOf(' ready (pid', replacement);
    expect(replacement).toBeGreaterThan(0);
    expect(readyAfter).toBeGreaterThan(replacement);
    expect(readyAfter).toBeLessThan(text.indexOf(`(pid ${pid}) exited with code 0`));
  });
});

describe('single process (CLUSTER_ENABLED=false)', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  it('serves without a primary and drains on SIGTERM with the same semantics', async () => {
    const port = await freePort();
    service = new ServiceProcess({ PORT: String(port), CLUSTER_ENABLED: 'false' });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
    expect(service.output).toMatch(/Cluster disabled: 1 process with \d+ pool threads?/);
    expect(service.output).not.toMatch(/Cluster: worker/);
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
});
