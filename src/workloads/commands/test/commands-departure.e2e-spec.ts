import { connect, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { descendantsOf } from '../../../../test/support/processes';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';
import { waitFor } from '../../../../test/support/wait';

/*
 * A client that leaves is noticed even when its command does not read stdin: the body is
 * read ahead of the command (charged to a budget) instead of leaving the socket paused,
 * where neither the client's FIN nor its RST reaches the service until the command ends.
 * `doze` is `sleep`: it never reads its stdin, and runs for as long as it is asked to.
 */
const BODY_BYTES = 8 * 1024 * 1024;
const SENT_BYTES = 4 * 1024 * 1024;

describe('POST /commands/:name notices a client leaving while its upload waits (node dist/main.js)', () => {
  let service: ServiceProcess;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    port = await freePort();
    service = new ServiceProcess({
      PORT: String(port),
      CLUSTER_ENABLED: 'false',
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.departure.json'),
      CHILD_PROCESS_MAX_CONCURRENCY: '1',
      CHILD_PROCESS_TIMEOUT_MS: '30000',
    });
    await service.waitForOk(`http://127.0.0.1:${port}/health/ready`);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(() => service.stop());

  const sleeping = (seconds: number) =>
    descendantsOf(service.child.pid!).filter(
      (process) =>
        basename(process.argv[0] ?? '') === 'sleep' && process.argv[1] === String(seconds),
    );

  /** Sends the head of a `BODY_BYTES` upload and `sent` bytes of it; never the rest. */
  function upload(path: string, sent: number): Socket {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${BODY_BYTES}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(sent, 'z'));
    return socket;
  }

  const ready = async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;

  it.each([
    ['closes its end (FIN)', (socket: Socket) => socket.end()],
    ['resets the connection (RST)', (socket: Socket) => socket.resetAndDestroy()],
  ])(
    'kills the running command within a second when the client %s mid-upload',
    async (_how, leave) => {
      const seconds = 20 + sockets.length;
      const socket = upload(`/commands/doze?s=${seconds}`, SENT_BYTES);
      await waitFor(() => sleeping(seconds).length === 1, `sleep ${seconds} to start`);
      // Past what the pipes between here and `sleep` hold: the service had to stop reading.
      await delay(500);
      const left = Date.now();
      leave(socket);
      await waitFor(() => sleeping(seconds).length === 0, `sleep ${seconds} to be killed`, 5_000);
      expect(Date.now() - left).toBeLessThan(1_000);
      expect(await ready()).toBe(200);
    },
  );

  it('drops a queued request whose client leaves mid-upload, before it runs', async () => {
    const running = upload('/commands/doze?s=10', 1024);
    await waitFor(() => sleeping(10).length === 1, 'sleep 10 to start');
    const queued = upload('/commands/doze?s=4', SENT_BYTES);
    await delay(500);
    queued.end();
    await delay(200);
    running.end(); // its slot frees at once, and the queued command would take it
    await waitFor(() => sleeping(10).length === 0, 'sleep 10 to be killed', 2_000);
    await delay(1_000);
    // The queued command never starts: its client left while it waited.
    expect(sleeping(4)).toEqual([]);
    expect(await ready()).toBe(200);
  });
});
