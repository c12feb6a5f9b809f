import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChildProcessRunner } from '../src/concurrency/child-process';
import { startApp } from './support/app';
import { exchange } from './support/exchange';
import { makePng } from './support/images';
import { waitFor } from './support/wait';

/*
 * A body is charged as it arrives, not as declared: a client that declares a large upload
 * and sends nothing, or trickles a byte at a time, is answered 408 once it falls under
 * HTTP_BODY_MIN_BYTES_PER_S (1 KiB/s) over 5 s, and what it held is released.
 */
const MiB = 1024 * 1024;

/** Sends `head` (request line and headers) and then whatever `trickle` writes; collects the answer. */
function slowClient(port: number, head: string, trickle?: (socket: Socket) => void) {
  const socket = connect(port, '127.0.0.1');
  const started = performance.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  socket.on('error', () => undefined);
  socket.write(head);
  trickle?.(socket);
  const closed = new Promise<{ answer: string; ms: number }>((resolve) =>
    socket.once('close', () => resolve({ answer, ms: performance.now() - started })),
  );
  return { socket, closed };
}

const uploadHead = (port: number, bytes: number) =>
  `POST /images/resize?width=10 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
  `Content-Type: image/png\r\nContent-Length: ${bytes}\r\n\r\n`;

describe('slow request bodies', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await startApp({
      IMAGE_MAX_BUFFERED_BYTES: String(40 * MiB),
      COMMANDS_CONFIG: join(__dirname, 'fixtures', 'commands.e2e.json'),
      CHILD_PROCESS_MAX_CONCURRENCY: '1',
    });
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('answers 408 to uploads that declare 20 MB and send nothing, and frees their budget', async () => {
    const png = await makePng(40, 30);
    const stalled = [0, 1].map(() => slowClient(port, uploadHead(port, 20 * MiB - 1)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Their declared bytes hold the whole upload budget: a real upload is refused for now.
    const refused = await exchange(port, '/images/resize?width=10', { body: png });
    expect(refused.status).toBe(503);

    for (const { closed } of stalled) {
      const { answer, ms } = await closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toContain('"message":"The request body arrived slower than 1024 bytes/s"');
      expect(ms).toBeLessThan(9_000);
    }
    const served = await exchange(port, '/images/resize?width=10', { body: png });
    expect(served.status).toBe(200);
  }, 20_000);

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
