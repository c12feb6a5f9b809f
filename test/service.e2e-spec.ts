import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { sharp } from '../src/workloads/image/sharp';
import { makePng } from './support/images';
import { extractPdf } from './support/pdf-text';
import { logLines } from './support/log-lines';
import { processesRunning } from './support/processes';
import { freePort, ServiceProcess } from './support/service-process';
import { longReport } from './support/reports';
import { waitFor } from './support/wait';

/*
 * The built service as users run it: `node dist/main.js` (npm test builds first), driven over
 * real HTTP the way the README's curl examples do.
 */
describe('node dist/main.js', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  beforeAll(() => {
    expect(existsSync(join(__dirname, '..', 'dist', 'main.js'))).toBe(true);
  });

  it('refuses to start with a bad variable, naming it', async () => {
    service = new ServiceProcess({ PORT: String(await freePort()), WORKER_POOL_THREADS: 'many' });
    const { code } = await service.exited;
    expect(code).toBe(1);
    // One fatal JSON line; its message, once decoded, names the variable and its value.
    expect(logLines(service.output)).toContainEqual(
      expect.objectContaining({
        level: 'fatal',
        msg: expect.stringMatching(
          /^Failed to start: Invalid environment variable WORKER_POOL_THREADS="many"/,
        ) as unknown,
      }),
    );
  });

  // Variables only the app reads, checked by the primary (or the single process) before
  // anything forks or Nest boots: one JSON line, no stack, not once per worker.
  describe.each([
    ['PORT', 'abc'],
    ['IMAGE_MAX_INPUT_BYTES', '20MB'],
    ['API_DOCS_ENABLED', 'nope'],
  ])('with %s=%s', (variable, value) => {
    it.each(['true', 'false'])(
      'exits 1 with one fatal JSON line naming it (CLUSTER_ENABLED=%s)',
      async (clusterEnabled) => {
        service = new ServiceProcess({
          PORT: String(await freePort()),
          CLUSTER_ENABLED: clusterEnabled,
          [variable]: value,
        });
        expect(await service.exited).toEqual({ code: 1, signal: null });
        expect(service.nonJsonLines()).toEqual([]);
        expect(logLines(service.output)).toEqual([
          expect.objectContaining({
            level: 'fatal',
            worker: 'main',
            msg: expect.stringMatching(
              new RegExp(
                `^Failed to start: Invalid environment variable ${variable}="${value}": expected `,
              ),
            ) as unknown,
          }),
        ]);
      },
    );
  });

  it('serves the README examples, then drains in-flight work on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // One worker: the app port's /health/ready below must see the thread rendering the report
    // (test/cluster.e2e-spec.ts drains two workers under load).
    service = new ServiceProcess({
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '20000',
      CLUSTER_WORKERS: '1',
    });
    await service.waitForOk(`${base}/health/ready`);

    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });

    const resized = await fetch(`${base}/images/resize?width=200&format=webp`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: await makePng(800, 600),
    });
    expect(resized.status).toBe(200);
    const image = Buffer.from(await resized.arrayBuffer());
    expect(await sharp(image).metadata()).toMatchObject({
      format: 'webp',
      width: 200,
      height: 150,
    });

    // A long report is still rendering when SIGTERM arrives: it must complete.
    const inflight = fetch(`${base}/pdf/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(longReport(6000)),
    });
    const busy = async () => {
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as {
        details: { workerPool: { busyThreads: number } };
      };
      return ready.details.workerPool.busyThreads > 0;
    };
    const deadline = Date.now() + 10_000;
    while (!(await busy())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 10));
    }
    service.child.kill('SIGTERM');

    const response = await inflight;
    expect(response.status).toBe(200);
    const pdf = extractPdf(Buffer.from(await response.arrayBuffer()));
    expect(pdf.pages[pdf.pageCount - 1]).toContain('Row 6000 note');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  });

  it("runs the README's quick start, on the app port and the probe port", async () => {
    // The curl lines of README "Quick start", with the ports of this test.
    const [port, healthPort] = [await freePort(), await freePort()];
    service = new ServiceProcess({ PORT: String(port), HEALTH_PORT: String(healthPort) });
    await service.waitForOk(`http://127.0.0.1:${healthPort}/health/startup`);
    const app = `http://127.0.0.1:${port}`;

    const picture = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(picture.status).toBe(200);
    expect(Object.keys(((await picture.json()) as { details: object }).details)).toEqual(
      expect.arrayContaining(['cluster', 'worker-1']),
    );

    const report = await fetch(`${app}/pdf/report`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"title":"Hello","table":{"columns":["a","b"],"rows":[[1,2]]}}',
    });
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/^application\/pdf/);
    const pdf = extractPdf(Buffer.from(await report.arrayBuffer()));
    expect(pdf.pages[0]).toContain('Hello');

    const words = await fetch(`${app}/commands/wordcount`, {
      method: 'POST',
      body: 'one two three\n',
    });
    expect(words.status).toBe(200);
    expect((await words.text()).trim()).toBe('3');

    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/^worker_pool_queue_depth\{worker="1"\} 0$/m);
  });

  it('cuts connections still open at SHUTDOWN_TIMEOUT_MS and exits 1', async () => {
    const port = await freePort();
    service = new ServiceProcess({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: '500' });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
    // A client that began an upload and went quiet would hold the HTTP server open forever.
    const stalled = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/images/resize?width=10',
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '100000' },
    });
    stalled.on('error', () => undefined);
    stalled.write(Buffer.alloc(1000));
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 1, signal: null });
    // Cut at SHUTDOWN_TIMEOUT_MS (500 ms), then the worker and the primary exit: 1.5 s of margin,
    // still under the primary's own 2 s kill grace, so this is the worker's cut, not a kill.
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(500 + 1_500);
    expect(service.linesWith({ event: 'drain-timeout', connections: 1, ms: 500 })).toHaveLength(1);
    stalled.destroy();
  });

  it('leaves no command process behind when it is sent SIGTERM', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    service = new ServiceProcess({
      PORT: String(port),
      SHUTDOWN_TIMEOUT_MS: '300',
      CHILD_PROCESS_KILL_GRACE_MS: '200',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.e2e.json'),
    });
    await service.waitForOk(`${base}/health/ready`);
    // `linger` forks a grandchild: both must go with the service.
    const lingering = fetch(`${base}/commands/linger`, { method: 'POST' }).catch(() => undefined);
    const running = () => processesRunning('sleep 31.5').length;
    const deadline = Date.now() + 10_000;
    while (running() < 2) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 20));
    }

    service.child.kill('SIGTERM');
    await service.exited;
    await lingering;
    expect(processesRunning('sleep 31.5')).toEqual([]);
  });

  it('leaves no command process behind when a worker is killed outright', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_WORKERS: '1',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.e2e.json'),
    });
    await service.waitForOk(`${base}/health/ready`);
    const { pid: worker } = await service.waitForLine({ event: 'worker-ready', slot: 1 });
    const lingering = fetch(`${base}/commands/linger`, { method: 'POST' }).catch(() => undefined);
    const running = () => processesRunning('sleep 31.5').length;
    await waitFor(() => running() === 2, 'the command and its grandchild');

    // SIGKILL: the worker's runner gets no chance; its spawn helper must clean up.
    process.kill(worker, 'SIGKILL');
    await waitFor(() => running() === 0, 'no command left', 5_000);
    await lingering;
  });
});
