import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from 'node:net';
import { LINGER_MS } from '../../../common/http/body-limits';
import { startApp } from '../../../../test/support/app';

/*
 * A body refused with 413 is answered before it is read, with `Connection: close`. The
 * connection stays open while the client sends the rest of what it declared (read and
 * dropped), and closes after it: closed at once, the server resets a client still sending,
 * and a reset can take the 413 away before the client reads it.
 */
const LIMIT = 256 * 1024;

/**
 * What a client sees that sends its headers, waits for the 413, then sends the body (up to
 * `stopAt` bytes of it, then nothing).
 */
function uploadAfterAnswer(port: number, declared: number, stopAt = declared, timeoutMs = 10_000) {
  const started = performance.now();
  return new Promise<{ answer: string; error?: string; sent: number; ms: number }>(
    (resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      let error: string | undefined;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`still open after ${timeoutMs} ms, ${sent} bytes sent: ${answer}`));
      }, timeoutMs);
      socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
      socket.once('close', () => {
        clearTimeout(timer);
        resolve({ answer, error, sent, ms: performance.now() - started });
      });
      socket.on('data', (chunk: Buffer) => {
        const first = answer === '';
        answer += chunk.toString('latin1');
        if (first) void sendBody();
      });
      const sendBody = async () => {
        // Let the server finish what it does after the answer (closing, on the old code).
        await new Promise((r) => setTimeout(r, 100));
        const chunk = Buffer.alloc(16 * 1024, 1);
        while (sent < stopAt && !socket.destroyed) {
          const part = chunk.subarray(0, Math.min(chunk.length, stopAt - sent));
          sent += part.length;
          if (!socket.write(part)) await new Promise((r) => socket.once('drain', r));
        }
      };
      socket.write(
        `POST /images/resize?width=10 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
          `Content-Type: image/png\r\nContent-Length: ${declared}\r\n\r\n`,
      );
    },
  );
}

describe('an upload refused with 413', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await startApp({ IMAGE_MAX_INPUT_BYTES: String(LIMIT) });
    port = (app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it('reads the rest of the declared body, then closes: the client is not reset', async () => {
    const declared = 4 * LIMIT;
    const { answer, error, sent } = await uploadAfterAnswer(port, declared);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain(`larger than the limit of ${LIMIT} bytes`);
    expect(error).toBeUndefined();
    expect(sent).toBe(declared);
  });

  it('closes a connection whose client stops sending, LINGER_MS after the answer', async () => {
    const { answer, ms } = await uploadAfterAnswer(port, 1024 * 1024 * 1024, 64 * 1024);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(ms).toBeGreaterThanOrEqual(LINGER_MS);
    expect(ms).toBeLessThan(LINGER_MS + 3_000);
  });
});
