import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LINGER_MS } from '../../../common/http/body-limits';
import { startApp } from '../../../../test/support/app';
import { waitFor } from '../../../../test/support/wait';

/*
 * A body refused with 413 is answered before it is read, with `Connection: close`. The
 * server then ends its side but reads on while the client sends the rest of what it
 * declared (dropped), and closes after it: closed at once, the server resets a client still
 * sending, and a reset can take the 413 away before the client reads it.
 */
const LIMIT = 256 * 1024;

const uploadHead = (port: number, declared: number) =>
  `POST /images/resize?width=10 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
  `Content-Type: image/png\r\nContent-Length: ${declared}\r\n\r\n`;

interface Upload {
  socket: Socket;
  /** Resolves once the 413's first bytes are in. */
  answered: Promise<void>;
  received: () => string;
  /** Resolves with the first socket error's code, if any, once the connection is closed. */
  closed: Promise<string | undefined>;
}

/** A client that sends its headers and keeps its side open when the server ends its own. */
function startUpload(port: number, declared: number): Upload {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  let text = '';
  let error: string | undefined;
  socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
  const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  const closed = new Promise<string | undefined>((resolve) =>
    socket.once('close', () => resolve(error)),
  );
  socket.write(uploadHead(port, declared));
  return { socket, answered, received: () => text, closed };
}

/** Writes up to `bytes` bytes of body, minding backpressure; returns how many it wrote. */
async function sendBody(socket: Socket, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(16 * 1024, 1);
  let sent = 0;
  while (sent < bytes && !socket.destroyed) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - sent));
    sent += part.length;
    if (!socket.write(part)) {
      await new Promise((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  }
  return sent;
}

describe('an upload refused with 413', () => {
  let app: NestFastifyApplication;
  let server: Server;
  let port: number;
  const connections = () =>
    new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
  const allClosed = () =>
    waitFor(async () => (await connections()) === 0, 'the connection to close');

  beforeAll(async () => {
    app = await startApp({ IMAGE_MAX_INPUT_BYTES: String(LIMIT) });
    server = app.getHttpServer();
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('reads the rest of the declared body, then closes: the client is not reset', async () => {
    const declared = 4 * LIMIT;
    const upload = startUpload(port, declared);
    await upload.answered;
    // Let the server finish what it does after the answer (on the old code, close at once).
    await sleep(100);
    await sendBody(upload.socket, declared);
    upload.socket.end();
    expect(await upload.closed).toBeUndefined();
    const answer = upload.received();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain(`larger than the limit of ${LIMIT} bytes`);
    await allClosed();
  });

  it('does not serve a request pipelined behind the refused body', async () => {
    const upload = startUpload(port, LIMIT + 1);
    await upload.answered;
    await sendBody(upload.socket, LIMIT);
    // The body's last byte ('x') and the next request in one packet: parsed together.
    upload.socket.write(`xGET /health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    upload.socket.end();
    await upload.closed;
    // One answer, the 413; the service goes on serving other connections.
    expect(upload.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
  });

  it('closes the connection LINGER_MS after the answer when the client stops sending', async () => {
    const upload = startUpload(port, 1024 * 1024 * 1024);
    await upload.answered;
    const answeredAt = performance.now();
    await sendBody(upload.socket, 64 * 1024);
    await allClosed();
    const ms = performance.now() - answeredAt;
    expect(ms).toBeGreaterThanOrEqual(LINGER_MS - 50);
    expect(ms).toBeLessThan(LINGER_MS + 3_000);
    upload.socket.destroy();
  });
});
