import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { type LogLine, logLines } from './support/log-lines';
import { isAlive } from './support/processes';
import { copyProject, removeProjectCopy } from './support/project-copy';
import { freePort, ServiceProcess } from './support/service-process';
import { waitFor } from './support/wait';

/*
 * `npm run reload`: a rolling restart of THIS service, found by the pid file its primary
 * writes (CLUSTER_PID_FILE), the same under `npm start` (node dist/main.js) and
 * `npm run start:dev` (nest start --watch, which runs node … dist/main in a shell).
 */
const ROOT = join(__dirname, '..');

/** The environment of this test process without a CLUSTER_PID_FILE of its own. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CLUSTER_PID_FILE;
  return env;
}

/** `npm run reload` in `cwd` with `env` added: its exit code and output. */
async function npmReload(
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['run', '--silent', 'reload'], {
    cwd,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

describe('npm run reload', () => {
  let dir = '';
  const services: ServiceProcess[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'reload-'))));
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startCluster(pidFile: string, workers = '2'): Promise<ServiceProcess> {
    const service = new ServiceProcess({
      PORT: String(await freePort()),
      CLUSTER_WORKERS: workers,
      CLUSTER_PID_FILE: pidFile,
    });
    services.push(service);
    await service.waitForLine({ event: 'all-ready' }, 30_000);
    return service;
  }

  it('restarts every worker of the service whose primary wrote the pid file (npm start)', async () => {
    const pidFile = join(dir, 'primary.pid');
    const service = await startCluster(pidFile);
    const primary = service.child.pid!;
    expect(readFileSync(pidFile, 'utf8')).toBe(`${primary}\n`);
    const before = service.linesWith({ event: 'worker-ready' }).map((line) => line.pid);

    // A second service given the same file leaves it to the first, and says so.
    const second = new ServiceProcess({
      PORT: String(await freePort()),
      CLUSTER_WORKERS: '1',
      CLUSTER_PID_FILE: pidFile,
    });
    services.push(second);
    await second.waitForLine({ event: 'pid-file-skipped', level: 'warn' }, 30_000);
    second.child.kill('SIGTERM');
    await second.exited;
    expect(readFileSync(pidFile, 'utf8')).toBe(`${primary}\n`);

    const mark = service.lines.length;
    const { code, output } = await npmReload(ROOT, { CLUSTER_PID_FILE: pidFile });
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(`SIGHUP sent to the primary, pid ${primary}`) as unknown,
    });
    await service.waitForLine({ event: 'rolling-restart-done' }, 30_000, mark);
    const after = service.linesWith({ event: 'worker-ready' }, mark).map((line) => line.pid);
    expect(after).toHaveLength(2);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
    expect(before.some(isAlive)).toBe(false);

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
  }, 120_000); // three boots (two services, then a rolling restart) on a shared machine

  it('signals nothing when the pid file is missing, stale, or the cluster is off', async () => {
    const pidFile = join(dir, 'primary.pid');
    const missing = await npmReload(ROOT, { CLUSTER_PID_FILE: pidFile });
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(
      /no pid in .*primary\.pid: is the service running, as a cluster\?/,
    );

    // A stale file whose pid now belongs to another process: SIGHUP would end it.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(pidFile, `${sleeper.pid}\n`);
      const stale = await npmReload(ROOT, { CLUSTER_PID_FILE: pidFile });
      expect(stale.code).toBe(1);
      expect(stale.output).toContain(`names pid ${sleeper.pid}, which is not a running primary`);
      expect(sleeper.exitCode).toBeNull();
      expect(sleeper.signalCode).toBeNull();
    } finally {
      sleeper.kill('SIGKILL');
    }

    const single = await npmReload(ROOT, { CLUSTER_PID_FILE: pidFile, CLUSTER_ENABLED: 'false' });
    expect(single.code).toBe(1);
    expect(single.output).toMatch(/CLUSTER_ENABLED=false: one process and no primary/);
  });
});

describe('npm run reload under npm run start:dev', () => {
  let copy = '';
  let dev: ChildProcess | undefined;
  afterEach(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      process.kill(-dev.pid!, 'SIGKILL'); // the process group this test started
      await once(dev, 'exit');
    }
    dev = undefined;
    removeProjectCopy(copy);
  });

  it('finds the primary that nest start --watch runs, by its default pid file', async () => {
    copy = copyProject('reload-dev-');
    // The build output as it is: nest's incremental build then only checks it.
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    const port = await freePort();
    // Its own process group: Ctrl-C below reaches npm, nest and the service, as in a terminal.
    dev = spawn('npm', ['run', 'start:dev'], {
      cwd: copy,
      detached: true,
      env: {
        ...baseEnv(),
        PORT: String(port),
        HEALTH_PORT: '0',
        CLUSTER_WORKERS: '1',
        LOG_FORMAT: 'json',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The service's JSON lines, among nest's own output.
    const lines: LogLine[] = [];
    createInterface({ input: dev.stdout! }).on('line', (line) => {
      if (line.startsWith('{')) lines.push(...logLines(line));
    });
    dev.stderr!.resume();
    const has = (event: string) => lines.some((line) => line.event === event);
    await waitFor(() => has('all-ready'), 'the service under nest start --watch', 120_000);

    const pidFile = join(copy, '.primary.pid');
    const primary = lines.find((line) => line.event === 'all-ready')!.pid;
    expect(readFileSync(pidFile, 'utf8')).toBe(`${primary}\n`);
    const { code, output } = await npmReload(copy);
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(`pid ${primary} (${pidFile})`) as unknown,
    });
    await waitFor(() => has('rolling-restart-done'), 'the rolling restart', 30_000);
    expect(lines.filter((line) => line.event === 'worker-ready')).toHaveLength(2);

    process.kill(-dev.pid!, 'SIGINT');
    await once(dev, 'exit');
    expect(lines.filter((line) => line.event === 'stopped')).toMatchObject([{ code: 0 }]);
    expect(existsSync(pidFile)).toBe(false);
  }, 180_000); // a build check by nest, then a start, on a shared machine
});
