import { join } from 'node:path';
import { processesRunning } from '../../../../test/support/processes';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';
import { waitFor } from '../../../../test/support/wait';

/* `node dist/main.js`: a command and its grandchild go with the service, however it ends. */
describe('node dist/main.js: commands', () => {
  let service: ServiceProcess | undefined;
  afterEach(() => service?.stop());

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
