import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../../../../test/support/app';
import { exchange } from '../../../../test/support/exchange';
import { slowClient } from '../../../../test/support/slow-client';
import { makePng } from './images';

/*
 * A body is charged as it arrives, not as declared: a client that declares a large upload
 * and sends nothing, or trickles a byte at a time, is answered 408 once it falls under
 * HTTP_BODY_MIN_BYTES_PER_S (1 KiB/s) over 5 s, and what it held is released.
 */
const MiB = 1024 * 1024;

const uploadHead = (port: number, bytes: number) =>
  `POST /images/resize?width=10 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
  `Content-Type: image/png\r\nContent-Length: ${bytes}\r\n\r\n`;

describe('slow image uploads', () => {
  let app: NestFastifyApplication;
  let port: number;

  beforeAll(async () => {
    app = await startApp({ IMAGE_MAX_BUFFERED_BYTES: String(40 * MiB) });
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
});
