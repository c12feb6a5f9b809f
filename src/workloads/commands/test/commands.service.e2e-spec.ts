import { join } from 'node:path';
import { logLines } from '../../../../test/support/log-lines';
import { processesRunning } from '../../../../test/support/processes';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';
import { waitFor } from '../../../../test/support/wait';

/*
 * `node dist/main.js`: a bad commands file stops it before anything forks; a command and its
 * grandchild go with the service, however it ends.
 */
describe('node dist/main.js: commands', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

  // The file COMMANDS_CONFIG names is checked by the primary (or the one process) before
  // anything forks or Nest boots (commands.boot-check.ts): one JSON line, no stack, not
  // once per app worker.
  describe.each([
    ['a missing file', 'no-such-file.json', /\(file\) cannot be read: ENOENT/],
    // .txt: Prettier checks every .json file of the project.
    ['a file that is not JSON', 'commands.not-json.txt', /\(file\) cannot be read: .*JSON/],
    ['an invalid entry', 'commands.malformed.json', /commands\.count\.args must be an array/],
  ])('with COMMANDS_CONFIG naming %s', (_, name, problem) => {
    it.each(['true', 'false'])(
      'exits 1 with one fatal line naming it, forking nothing (CLUSTER_ENABLED=%s)',
      async (clusterEnabled) => {
        const file = join(__dirname, 'fixtures', name);
        service = new ServiceProcess({
          PORT: String(await freePort()),
          CLUSTER_ENABLED: clusterEnabled,
          COMMANDS_CONFIG: file,
        });
        expect(await service.exited).toEqual({ code: 1, signal: null });
        expect(service.nonJsonLines()).toEqual([]);
        expect(service.linesWith({ event: 'worker-forked' })).toEqual([]);
        const [line, ...others] = logLines(service.output);
        expect(others).toEqual([]);
        expect(line).toMatchObject({ level: 'fatal', worker: 'main' });
        expect(line.msg).toContain(
          `Failed to start: Invalid commands file ${file} (COMMANDS_CONFIG): `,
        );
        expect(line.msg).toMatch(problem);
        expect(line).not.toHaveProperty('err'); // no stack
      },
    );
  });

  // An executable is looked up where it runs, by each app worker: one it cannot find is a
  // configuration error there too, so the primary stops at once rather than restarting
  // workers until its crash-loop guard gives up.
  it('stops the cluster at the first worker that cannot find an executable', async () => {
    service = new ServiceProcess({
      PORT: String(await freePort()),
      CLUSTER_WORKERS: '2',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.missing.json'),
    });
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.linesWith({ event: 'worker-config-error' })).toHaveLength(1);
    expect(service.linesWith({ event: 'crash-loop' })).toEqual([]);
    expect(service.linesWith({ event: 'worker-forked' })).toHaveLength(2);
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
