import { logLines } from './support/log-lines';
import { freePort, ServiceProcess } from './support/service-process';

/*
 * Logs as an operator reads them from `node dist/main.js`: JSON lines from the primary and
 * its worker, each with its pid and worker id, an id per request, and pretty text on demand.
 */
describe('logs of node dist/main.js', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  /** Only stdout: stderr is where Node itself writes its warnings. */
  function captureStdout(target: ServiceProcess): () => string {
    let stdout = '';
    target.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    return () => stdout;
  }

  it('writes JSON lines with pid and worker, and logs each request with its X-Request-Id', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    service = new ServiceProcess({ PORT: String(port), CLUSTER_WORKERS: '1' });
    const stdout = captureStdout(service);
    const { pid: workerPid } = await service.waitForLine({ event: 'worker-ready', slot: 1 });

    const fresh = await fetch(`${base}/health/live`);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await fetch(`${base}/no-such-route`, {
      headers: { 'X-Request-Id': 'edge.42_a-b' },
    });
    expect(kept.status).toBe(404);
    expect(kept.headers.get('x-request-id')).toBe('edge.42_a-b');
    const replaced = await fetch(`${base}/no-such-route`, {
      headers: { 'X-Request-Id': 'x'.repeat(129) },
    });
    const replacement = replaced.headers.get('x-request-id');
    expect(replacement).toMatch(/^[0-9a-f-]{36}$/);
    await service.waitForOutput(new RegExp(`"reqId":"${replacement}"`));

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });

    const lines = logLines(stdout());
    const primaryPid = service.child.pid;
    // Each line names its writer in `worker` and `pid`, but for the primary's events about an
    // app worker: their `pid` is that worker's (one `pid` key per line).
    for (const line of lines) {
      const aboutWorker = line.worker === 'primary' && line.slot !== undefined;
      expect(
        (line.worker === 'primary' && line.pid === (aboutWorker ? workerPid : primaryPid)) ||
          (line.worker === '1' && line.pid === workerPid),
      ).toBe(true);
    }
    // The primary's lines are events with their fields, the sentence in msg.
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          worker: 'primary',
          event: 'worker-ready',
          slot: 1,
          pid: workerPid,
          ms: expect.any(Number) as unknown,
          msg: expect.stringMatching(/^Cluster: worker 1 ready \(pid \d+\) in \d+ ms$/) as unknown,
        }),
        expect.objectContaining({ worker: 'primary', event: 'stopped', code: 0 }),
      ]),
    );
    const messages = (worker: string) => lines.filter((l) => l.worker === worker).map((l) => l.msg);
    expect(messages('1')).toContain('Nest application successfully started');

    // The access lines: health probes stay out at the default level (info).
    const access = lines.filter((line) => line.req !== undefined);
    expect(access).toEqual([
      expect.objectContaining({
        level: 'info',
        reqId: 'edge.42_a-b',
        req: expect.objectContaining({ method: 'GET', url: '/no-such-route' }) as unknown,
        res: { statusCode: 404 },
        msg: expect.stringMatching(/^GET \/no-such-route 404 \d+ ms$/) as unknown,
      }),
      expect.objectContaining({ reqId: replacement }),
    ]);
  });

  it('writes human-readable lines with LOG_FORMAT=pretty', async () => {
    const port = await freePort();
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_ENABLED: 'false',
      LOG_FORMAT: 'pretty',
    });
    const stdout = captureStdout(service);
    await service.waitForOk(`http://127.0.0.1:${port}/health/live`);
    service.child.kill('SIGTERM');
    await service.exited;
    expect(stdout()).toMatch(
      new RegExp(
        `^\\[[\\d:.]+\\] INFO: main/${service.child.pid} Cluster disabled: 1 process`,
        'm',
      ),
    );
    expect(stdout()).toMatch(
      /INFO: main\/\d+ \[NestApplication\] Nest application successfully started/,
    );
    expect(stdout()).not.toMatch(/^\{/m);
  });

  it('refuses a bad LOG_LEVEL with a fatal JSON line naming it', async () => {
    service = new ServiceProcess({ PORT: String(await freePort()), LOG_LEVEL: 'loud' });
    const stdout = captureStdout(service);
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(logLines(stdout())).toEqual([
      expect.objectContaining({
        level: 'fatal',
        msg: expect.stringMatching(
          /^Failed to start: Invalid environment variable LOG_LEVEL="loud"/,
        ) as unknown,
      }),
    ]);
  });
});
