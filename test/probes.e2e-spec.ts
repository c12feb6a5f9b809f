import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parsePrometheus } from './support/prometheus';
import { freePort, ServiceProcess } from './support/service-process';

/*
 * The probe port (HEALTH_PORT) of the real `node dist/main.js`: served by the cluster
 * primary from its workers' heartbeats, or by the one process without a cluster.
 */
interface Report {
  status: 'ok' | 'error';
  info: Record<string, Record<string, unknown>>;
  error: Record<string, Record<string, unknown>>;
  details: Record<string, Record<string, unknown> & { status: string }>;
}

const agent = new Agent({ keepAlive: true });
afterAll(() => agent.destroy());

/** GET on the probe port, with the time it took. */
function get(port: number, path: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.end();
  });
}

async function report(port: number, path: string): Promise<{ status: number; body: Report }> {
  const { status, body } = await get(port, path);
  return { status, body: JSON.parse(body) as Report };
}

async function startService(env: Record<string, string>) {
  const [port, healthPort] = [await freePort(), await freePort()];
  const service = new ServiceProcess({
    PORT: String(port),
    HEALTH_PORT: String(healthPort),
    ...env,
  });
  return { service, port, healthPort };
}

async function waitForStatus(healthPort: number, path: string, status: number, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const answer = await get(healthPort, path).catch(() => undefined);
    if (answer?.status === status) return answer;
    if (Date.now() > end) throw new Error(`${path} never answered ${status}`);
    await delay(25);
  }
}

describe('probe port, cluster of 2 workers', () => {
  let service: ServiceProcess | undefined;
  const stopped: number[] = [];
  const gates: string[] = [];
  afterEach(async () => {
    for (const dir of gates.splice(0)) rmSync(dir, { recursive: true, force: true });
    for (const pid of stopped.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await service?.stop();
  });

  it('answers startup 503 until both workers are ready, then lists both with their threads', async () => {
    // The workers wait at their first line until the gate opens: startup cannot be 200 before
    // then, however fast they would boot (test/fixtures/gate-workers.preload.cjs).
    const gate = join(mkdtempSync(join(tmpdir(), 'probes-gate-')), 'open');
    gates.push(dirname(gate));
    const started = await startService({
      CLUSTER_WORKERS: '2',
      NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'gate-workers.preload.cjs')}`,
      TEST_WORKER_GATE: gate,
    });
    service = started.service;
    const { healthPort } = started;
    const first = await waitForStatus(healthPort, '/health/live', 200);
    expect(JSON.parse(first.body)).toMatchObject({ status: 'ok' });
    const early = await get(healthPort, '/health/startup');
    expect(early.status).toBe(503);

    writeFileSync(gate, '');
    await waitForStatus(healthPort, '/health/startup', 200);
    await waitForStatus(healthPort, '/health/ready', 200);
    const { status, body } = await report(healthPort, '/health');
    expect(status).toBe(200);
    expect(body.details.cluster).toMatchObject({
      status: 'up',
      mode: 'cluster',
      plannedWorkers: 2,
      readyWorkers: 2,
      startedUp: true,
      recentExits: [],
    });
    for (const key of ['worker-1', 'worker-2']) {
      const worker = body.details[key] as unknown as Record<string, unknown> & {
        workerPool: { threads: { alive: boolean; tasksDone: number }[] };
      };
      expect(worker).toMatchObject({ status: 'up', state: 'ready', restarts: 0 });
      expect(typeof worker.pid).toBe('number');
      expect(worker.workerPool.threads.length).toBeGreaterThanOrEqual(1);
      expect(worker.workerPool.threads.every((t) => t.alive)).toBe(true);
      expect(worker).toHaveProperty('childProcess.processes', []);
      expect(worker).toHaveProperty('eventLoop.p99Ms');
      expect(worker).toHaveProperty('memory.rssBytes');
    }
  });

  it('shows a SIGSTOPped worker unhealthy within two heartbeats, while every probe and /metrics answer within 1 s', async () => {
    const started = await startService({
      CLUSTER_WORKERS: '2',
      CLUSTER_HEARTBEAT_INTERVAL_MS: '250',
      CLUSTER_HEARTBEAT_TIMEOUT_MS: '20000',
      HEALTH_READY_HYSTERESIS_MS: '0',
    });
    service = started.service;
    const { healthPort } = started;
    await waitForStatus(healthPort, '/health/startup', 200);
    const before = await report(healthPort, '/health');
    const pid = before.body.details['worker-2'].pid as number;

    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const stoppedAt = Date.now();
    let picture: Report;
    for (;;) {
      picture = (await report(healthPort, '/health')).body;
      if (picture.details['worker-2'].status === 'down') break;
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
      await delay(20);
    }
    // Two heartbeats of 250 ms, plus one for the timer phase and the machine's noise.
    expect(Date.now() - stoppedAt).toBeLessThan(3 * 250 + 250);
    expect(picture.details['worker-2'].reason).toMatch(/^unresponsive: no heartbeat for \d+ ms$/);
    expect(picture.details['worker-1'].status).toBe('up');

    for (const path of ['/health/live', '/health/ready', '/health', '/metrics']) {
      const answer = await get(healthPort, path);
      expect(answer.ms).toBeLessThan(1_000);
      expect(answer.status).toBe(200);
    }
    // The ready minimum with 2 workers is 1: one healthy worker keeps the pod ready.
    const ready = await report(healthPort, '/health/ready');
    expect(ready.body.details.cluster).toMatchObject({ readyWorkers: 1, minReadyWorkers: 1 });
    const metrics = parsePrometheus((await get(healthPort, '/metrics')).body);
    const up = (worker: string) =>
      metrics.find((s) => s.name === 'cluster_worker_scrape_up' && s.labels.worker === worker)
        ?.value;
    expect(up('1')).toBe(1);
    expect(up('2')).toBe(0);
  });

  it('answers 503 on /health/ready within 50 ms of SIGTERM, and until the process is gone', async () => {
    const started = await startService({ CLUSTER_WORKERS: '2', SHUTDOWN_DELAY_MS: '1000' });
    service = started.service;
    const { healthPort } = started;
    await waitForStatus(healthPort, '/health/ready', 200);

    const answers: { sentAt: number; endedAt: number; status: number }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const sentAt = performance.now();
        const answer = await get(healthPort, '/health/ready').catch(() => undefined);
        if (!answer) break; // the probe port closed: the process is exiting
        answers.push({ sentAt, endedAt: performance.now(), status: answer.status });
      }
    })();
    await delay(200);
    const signalledAt = performance.now();
    service.child.kill('SIGTERM');
    await service.exited;
    polling = false;
    await poll;

    const after = answers.filter((a) => a.sentAt >= signalledAt + 50);
    const before = answers.filter((a) => a.endedAt < signalledAt);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((a) => a.status === 200)).toBe(true);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((a) => a.status === 503)).toBe(true);
    expect((await service.exited).code).toBe(0);
  });

  it('serves /metrics as Prometheus text with per-worker pool series', async () => {
    const started = await startService({ CLUSTER_WORKERS: '2' });
    service = started.service;
    const { healthPort, port } = started;
    await waitForStatus(healthPort, '/health/startup', 200);
    // Some traffic, so the HTTP histogram has series.
    for (let i = 0; i < 4; i++) await fetch(`http://127.0.0.1:${port}/health/live`);

    const answer = await get(healthPort, '/metrics');
    expect(answer.status).toBe(200);
    const samples = parsePrometheus(answer.body);
    for (const worker of ['1', '2']) {
      for (const name of ['worker_pool_queue_depth', 'worker_pool_utilization_ratio']) {
        expect(samples.some((s) => s.name === name && s.labels.worker === worker)).toBe(true);
      }
      expect(
        samples.some(
          (s) =>
            s.name === 'worker_pool_threads' &&
            s.labels.worker === worker &&
            s.labels.state === 'alive',
        ),
      ).toBe(true);
      expect(
        samples.some(
          (s) => s.name === 'nodejs_eventloop_lag_p99_seconds' && s.labels.worker === worker,
        ),
      ).toBe(true);
    }
    expect(
      samples.some(
        (s) =>
          s.name === 'http_request_duration_seconds_count' &&
          s.labels.route === '/health/live' &&
          s.labels.status_code === '200',
      ),
    ).toBe(true);
    expect(
      samples.some(
        (s) => s.name === 'process_resident_memory_bytes' && s.labels.worker === 'primary',
      ),
    ).toBe(true);
    expect(
      samples.filter((s) => s.name === 'cluster_worker_scrape_up').map((s) => s.value),
    ).toEqual([1, 1]);
  });
});

describe('probe port, single process (CLUSTER_ENABLED=false)', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  it('serves the same routes', async () => {
    const started = await startService({ CLUSTER_ENABLED: 'false' });
    service = started.service;
    const { healthPort } = started;
    await waitForStatus(healthPort, '/health/startup', 200);
    for (const path of ['/health/live', '/health/ready', '/health']) {
      const { status, body } = await report(healthPort, path);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
    }
    const picture = await report(healthPort, '/health');
    expect(picture.body.details.cluster).toMatchObject({ mode: 'single', plannedWorkers: 1 });
    expect(picture.body.details['worker-0']).toMatchObject({
      status: 'up',
      pid: service.child.pid,
    });
    const samples = parsePrometheus((await get(healthPort, '/metrics')).body);
    expect(samples.some((s) => s.name === 'worker_pool_queue_depth')).toBe(true);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
    expect(samples.find((s) => s.name === 'cluster_worker_scrape_up')?.value).toBe(1);
    // README, "Vocabulary": one process, so its series have no `worker` label; only the
    // cluster_worker_* series name their one worker, slot 0.
    const labelled = samples.filter((s) => s.labels.worker !== undefined);
    expect(labelled.map((s) => `${s.name}{worker="${s.labels.worker}"}`).sort()).toEqual([
      'cluster_worker_heartbeat_age_seconds{worker="0"}',
      'cluster_worker_restarts_total{worker="0"}',
      'cluster_worker_scrape_up{worker="0"}',
    ]);
  });
});
