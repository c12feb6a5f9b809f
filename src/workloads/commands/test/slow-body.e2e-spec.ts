import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcessRunner } from '../../../concurrency/child-process';
import { startApp } from '../../../../test/support/app';
import { exchange } from '../../../../test/support/exchange';
import { slowClient } from '../../../../test/support/slow-client';
import { waitFor } from '../../../../test/support/wait';

/*
 * A command's body is read as the command takes it: a client that trickles a byte at a time
 * is answered 408 once it falls under HTTP_BODY_MIN_BYTES_PER_S (1 KiB/s) over 5 s, and its
 * command slot is freed; a body the service is not reading yet (the command is queued) is
 * not the client's fault.
 */
describe('slow command bodies', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await startApp({
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.e2e.json'),
      CHILD_PROCESS_MAX_CONCURRENCY: '1',
    });
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('stops a command fed one byte every 2 s, with 408, and frees its slot', async () => {
    const runner = app.get(ChildProcessRunner);
    const trickler = slowClient(
      port,
      `POST /commands/wordcount HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n`,
      (socket) => {
        const drip = setInterval(() => socket.write('1\r\na\r\n'), 2_000);
        socket.once('close', () => clearInterval(drip));
      },
    );
    await waitFor(() => runner.stats().running.length === 1, 'the command to start');
    const { answer, ms } = await trickler.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(9_000);
    await waitFor(() => runner.stats().running.length === 0, 'the command stopped', 5_000);
    const next = await exchange(port, '/commands/echo?text=hi');
    expect([next.status, next.body.toString()]).toEqual([200, 'hi']);
  }, 20_000);

  it('does not blame the client while the service is not reading (a queued command)', async () => {
    const runner = app.get(ChildProcessRunner);
    // `hold` takes the only slot for 2 s; `wordcount` waits in the queue with its body unread.
    const holding = exchange(port, '/commands/hold', { timeoutMs: 10_000 });
    await waitFor(() => runner.stats().running.length === 1, 'hold running');
    const queued = slowClient(
      port,
      `POST /commands/wordcount HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n` +
        `Content-Length: 9\r\nConnection: close\r\n\r\nthree wo`,
      (socket) => setTimeout(() => socket.write('r'), 1_000),
    );
    expect((await holding).status).toBe(504);
    const { answer } = await queued.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.trim().endsWith('2')).toBe(true);
  }, 20_000);
});
