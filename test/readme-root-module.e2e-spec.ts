/**
 * README, "Use only the modules you need": its root module for an app with worker threads
 * only, the runner-only swap it describes, and its own bootstrap, as written. Each is put in
 * a copy of the repository where the README says (`src/app.module.ts`, `src/main.ts`), built,
 * and started as `node dist/main.js`, so that the shipped bootstrap (`src/app.start.ts`, which
 * looks up AppLogger and the app config) boots the README's module, as a user's would.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyProject, removeProjectCopy } from './support/project-copy';
import { readmeSnippets } from './support/readme';
import { freePort, ServiceProcess } from './support/service-process';

const run = promisify(execFile);

/** The README's runner-only root module: its pool-only one with each pool name swapped. */
const SWAPS: [string, string][] = [
  ['WorkerPoolModule', 'ChildProcessModule'],
  ['./concurrency/worker-pool', './concurrency/child-process'],
  ['workerPoolConfig', 'childProcessConfig'],
  ['WorkerPoolConfig', 'ChildProcessConfig'],
];

function runnerOnly(poolOnly: string): string {
  return SWAPS.reduce((source, [from, to]) => {
    expect(source).toContain(from);
    return source.replaceAll(from, to);
  }, poolOnly);
}

describe('README: use only the modules you need', () => {
  let copy = '';
  let poolOnly = '';
  let ownMain = '';
  let service: ServiceProcess | undefined;

  beforeAll(() => {
    copy = copyProject('readme-modules-');
    const readme = readFileSync(join(copy, 'README.md'), 'utf8');
    const snippets = readmeSnippets(readme, '### Use only the modules you need');
    expect(snippets).toHaveLength(2);
    [poolOnly, ownMain] = snippets;
    // The prose names every swap it asks for: the test makes the same ones.
    const prose = readme.replace(/\s+/g, ' ');
    for (const [from, to] of SWAPS) expect(prose).toContain(`\`${from}\` for \`${to}\``);
  });

  afterEach(() => service?.stop());
  afterAll(() => removeProjectCopy(copy));

  /** Writes `files` into the copy's src/ and builds it (incremental: the later builds are short). */
  async function build(files: Record<string, string>): Promise<void> {
    for (const [file, text] of Object.entries(files)) writeFileSync(join(copy, 'src', file), text);
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
      cwd: copy,
    });
  }

  /** The names of /health/ready's checks, which must answer 200. */
  async function readyChecks(url: string): Promise<string[]> {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { details: Record<string, unknown> };
    return Object.keys(body.details).sort();
  }

  /** The probe port's /metrics once it has the app worker's series (from its heartbeats). */
  async function probeMetrics(base: string, family: string): Promise<string> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const response = await fetch(`${base}/metrics`);
      const text = await response.text();
      if (response.status === 200 && text.includes(`# TYPE ${family} `)) return text;
      if (Date.now() > deadline) {
        throw new Error(`no ${family} on the probe port after 15 s: ${response.status}\n${text}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it.each([
    {
      only: 'worker threads',
      appModule: () => poolOnly,
      check: 'workerPool',
      family: 'worker_pool_queue_depth',
      absent: 'child_process_',
    },
    {
      only: 'child processes',
      appModule: () => runnerOnly(poolOnly),
      check: 'childProcess',
      family: 'child_process_running',
      absent: 'worker_pool_',
    },
  ])(
    'boots the root module for $only only with the shipped main.ts, probe port and /metrics included',
    async ({ appModule, check, family, absent }) => {
      await build({ 'app.module.ts': appModule() });
      const [port, probePort] = [await freePort(), await freePort()];
      service = new ServiceProcess(
        { PORT: String(port), HEALTH_PORT: String(probePort), CLUSTER_WORKERS: '1' },
        join(copy, 'dist', 'main.js'),
      );
      await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
      expect(await readyChecks(`http://127.0.0.1:${port}/health/ready`)).toEqual(
        ['eventLoop', 'lifecycle', check].sort(),
      );
      const probes = `http://127.0.0.1:${probePort}`;
      await service.waitForOk(`${probes}/health/ready`);
      const metrics = await probeMetrics(probes, family);
      expect(metrics).not.toContain(`# TYPE ${absent}`);
      // One app worker, started once: no crash loop (every line it wrote is JSON, which
      // test/support/json-output.setup.ts checks).
      expect(service.linesWith({ event: 'worker-ready' })).toHaveLength(1);
      expect(service.linesWith({ event: 'worker-exited' })).toEqual([]);
    },
    120_000,
  );

  it('serves the pool-only module with the own bootstrap: no probe port, no /metrics', async () => {
    await build({ 'app.module.ts': poolOnly, 'main.ts': ownMain });
    const [port, probePort] = [await freePort(), await freePort()];
    service = new ServiceProcess(
      { PORT: String(port), HEALTH_PORT: String(probePort) },
      join(copy, 'dist', 'main.js'),
    );
    const base = `http://127.0.0.1:${port}`;
    await service.waitForOk(`${base}/health/ready`);
    expect(await readyChecks(`${base}/health/ready`)).toEqual([
      'eventLoop',
      'lifecycle',
      'workerPool',
    ]);
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    await expect(fetch(`http://127.0.0.1:${probePort}/metrics`)).rejects.toThrow();

    // enableShutdownHooks: SIGTERM closes the app (and the pool), then Nest re-raises it.
    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: null, signal: 'SIGTERM' });
  }, 120_000);
});
