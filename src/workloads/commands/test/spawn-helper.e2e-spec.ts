import { join } from 'node:path';
import { exchange } from '../../../../test/support/exchange';
import { descendantsOf, listProcesses } from '../../../../test/support/processes';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';
import { waitFor } from '../../../../test/support/wait';

/*
 * The spawn helper is the service's: when it dies or stops answering, the commands it
 * watched are answered as the runner's fault (503, retry), not as the command's (422), and
 * not left waiting for exits the helper will never report. A watchdog pings it every second
 * and replaces it after 3 s of silence.
 */
describe('spawn helper watchdog (node dist/main.js)', () => {
  let service: ServiceProcess;
  let port: number;
  let probePort: number;

  beforeAll(async () => {
    [port, probePort] = [await freePort(), await freePort()];
    service = new ServiceProcess({
      PORT: String(port),
      HEALTH_PORT: String(probePort),
      CLUSTER_ENABLED: 'false',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.helper.json'),
    });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
  });
  afterAll(() => service.stop());

  const helperPid = () =>
    descendantsOf(service.child.pid!).find((process) =>
      process.argv.some((arg) => arg.includes('spawn-host')),
    )?.pid;
  // The runner starts executables by their resolved path (/usr/bin/sleep).
  const snoozing = () => listProcesses().filter((p) => p.argv.join(' ').endsWith('sleep 30.25'));
  const spawnHelper = async () => {
    const health = (await (await fetch(`http://127.0.0.1:${probePort}/health`)).json()) as {
      details: Record<string, { childProcess?: { spawnHelper: Record<string, number> } }>;
    };
    return health.details['worker-0'].childProcess!.spawnHelper;
  };

  it.each([
    ['stopped (SIGSTOP)', 'SIGSTOP' as const, 6_000],
    ['killed (SIGKILL)', 'SIGKILL' as const, 1_500],
  ])(
    'answers 503 for a running command whose helper is %s',
    async (_, signal, withinMs) => {
      const before = await spawnHelper();
      const answer = exchange(port, '/commands/snooze', { timeoutMs: 15_000 });
      await waitFor(() => snoozing().length === 1, 'the command running');
      const helper = helperPid()!;
      expect(helper).toBeGreaterThan(0);

      const signalledAt = performance.now();
      process.kill(helper, signal);
      const { status, headers, body, error } = await answer;
      expect(error).toBeUndefined();
      expect(performance.now() - signalledAt).toBeLessThan(withinMs);
      expect(status).toBe(503);
      expect(headers['retry-after']).toBe('1');
      expect(JSON.parse(body.toString())).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringContaining('spawn helper') as unknown,
      });
      // The command went with it, and a new helper serves the next one.
      await waitFor(() => snoozing().length === 0, 'the command killed', 2_000);
      const next = await exchange(port, '/commands/echo?text=hi');
      expect([next.status, next.body.toString()]).toEqual([200, 'hi']);
      expect(helperPid()).not.toBe(helper);
      expect(await spawnHelper()).toMatchObject({
        helperRestarts: before.helperRestarts + 1,
        helperPid: helperPid(),
      });
    },
    30_000,
  );
});
