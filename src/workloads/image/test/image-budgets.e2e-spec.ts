import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ImageService } from '../image.service';
import { startApp } from '../../../../test/support/app';
import { binary } from '../../../../test/support/binary';
import { makeJpeg } from './images';
import { waitFor } from '../../../../test/support/wait';

/*
 * What a resize may cost beyond its upload: the decode and encode memory, estimated from the
 * header before any pixel is decoded, and encodes that cannot be stopped at the deadline
 * (AVIF) refused when they would not end in time. SVG, whose filters ignore the timeout,
 * is off unless IMAGE_INPUT_FORMATS lists it.
 */
const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="red"/></svg>',
);

describe('POST /images/resize: budgets', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  const resize = (query: string, type: string, body: Buffer) =>
    request(app!.getHttpServer())
      .post(`/images/resize?${query}`)
      .set('Content-Type', type)
      .buffer(true)
      .parse(binary)
      .send(body);
  const json = (res: request.Response) =>
    JSON.parse((res.body as Buffer).toString()) as { statusCode: number; message: string };

  it('refuses SVG by default with 415 naming IMAGE_INPUT_FORMATS, and takes it when listed', async () => {
    app = await startApp();
    const refused = await resize('width=20', 'image/svg+xml', SVG).expect(415);
    expect(json(refused)).toMatchObject({
      statusCode: 415,
      message: expect.stringMatching(/type svg are not accepted.*IMAGE_INPUT_FORMATS/) as unknown,
    });
    await app.close();

    app = await startApp({ IMAGE_INPUT_FORMATS: 'png,svg' });
    const taken = await resize('width=20&format=png', 'image/svg+xml', SVG).expect(200);
    expect(taken.headers['x-image-width']).toBe('20');
  });

  it('refuses with 413 a tiny image asked to become a huge AVIF, before any work', async () => {
    app = await startApp();
    const tiny = await makeJpeg(64, 64);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();
    const res = await resize('width=7000&height=7000&fit=fill&format=avif', 'image/jpeg', tiny);
    expect(res.status).toBe(413);
    expect(json(res).message).toMatch(/would need about \d+ MiB.*IMAGE_MAX_MEMORY_BYTES/);
    expect(performance.now() - started).toBeLessThan(2_000);
    // Nothing was decoded or encoded: the process did not grow by the gigabyte it would take.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses with 413 an AVIF encode that could not end within the deadline', async () => {
    app = await startApp({ WORKER_TASK_TIMEOUT_MS: '2000' });
    const tiny = await makeJpeg(64, 64);
    const res = await resize('width=3000&height=3000&fit=fill&format=avif', 'image/jpeg', tiny);
    expect(res.status).toBe(413);
    expect(json(res).message).toMatch(/cannot be stopped and would not end within the deadline/);
  });

  it('answers 503 with Retry-After when resizes in progress hold IMAGE_MAX_MEMORY_BYTES', async () => {
    // Each of these needs about 52 MB: one fits in 80 MiB, two do not.
    app = await startApp({
      IMAGE_MAX_MEMORY_BYTES: String(80 * 1024 * 1024),
      WORKER_INLINE_CONCURRENCY: '2',
    });
    const memory = app.get(ImageService).memory;
    const tiny = await makeJpeg(64, 64);
    const first = resize('width=1200&height=1200&fit=fill&format=avif', 'image/jpeg', tiny);
    const firstDone = first.then((r) => r.status);
    await waitFor(() => memory.used > 0, 'the first resize to hold its memory');
    const second = await resize('width=1200&height=1200&fit=fill&format=avif', 'image/jpeg', tiny);
    expect(second.status).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    expect(json(second).message).toMatch(/Too many large images/);
    expect(await firstDone).toBe(200);
    expect(memory.used).toBe(0);
  });
});
