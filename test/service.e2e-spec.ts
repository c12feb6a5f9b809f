import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { logLines } from './support/log-lines';
import { freePort, ServiceProcess } from './support/service-process';
import { sendExample, workloadExamples } from './support/workloads';

/*
 * The built service as users run it: `node dist/main.js` (npm test builds first), driven over
 * real HTTP the way the README's curl examples do. Each workload's own service specs are in
 * its folder (src/workloads/<name>/test/); its quick-start line comes from its kit.
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

  it("runs the README's quick start, on the app port and the probe port", async () => {
    // The curl lines of README "Quick start", with the ports of this test.
    const [port, healthPort] = [await freePort(), await freePort()];
    service = new ServiceProcess({ PORT: String(port), HEALTH_PORT: String(healthPort) });
    await service.waitForOk(`http://127.0.0.1:${healthPort}/health/startup`);

    const live = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });

    const picture = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect(picture.status).toBe(200);
    expect(Object.keys(((await picture.json()) as { details: object }).details)).toEqual(
      expect.arrayContaining(['cluster', 'worker-1']),
    );

    // The workloads' lines: one example each, from the kits of the workloads present.
    for (const example of await workloadExamples()) {
      expect(await sendExample(port, example)).toEqual([]);
    }

    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(/^worker_pool_queue_depth\{worker="1"\} 0$/m);
  });
});
