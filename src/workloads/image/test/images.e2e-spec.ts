import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { WorkerPool } from '../../../concurrency/worker-pool';
import { sharp } from '../sharp';
import { startApp } from '../../../../test/support/app';
import { binary } from '../../../../test/support/binary';
import { makeJpeg, makeJpegScanBomb, makePng, makePngBomb } from './images';
import { waitFor } from '../../../../test/support/wait';
import { BINARY, openApiDocument, operation } from '../../../../test/support/openapi';

describe('POST /images/resize', () => {
  let app: NestFastifyApplication;
  let png: Buffer;

  beforeAll(async () => {
    app = await startApp({ IMAGE_MAX_INPUT_BYTES: String(512 * 1024) });
    png = await makePng(640, 480);
  });
  afterAll(() => app.close());

  const resize = (query: string) =>
    request(app.getHttpServer()).post(`/images/resize?${query}`).buffer(true).parse(binary);

  it('resizes a raw image body and keeps its format', async () => {
    const res = await resize('width=64').set('Content-Type', 'image/png').send(png).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    const meta = await sharp(res.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 64, height: 48 });
  });

  it('takes the image from a multipart "file" field', async () => {
    const res = await resize('height=120&format=webp')
      .attach('file', png, { filename: 'photo.png', contentType: 'image/png' })
      .expect(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(await sharp(res.body as Buffer).metadata()).toMatchObject({
      format: 'webp',
      width: 160,
      height: 120,
    });
  });

  it.each([
    ['jpeg', 'image/jpeg', 'jpeg'],
    ['png', 'image/png', 'png'],
    ['webp', 'image/webp', 'webp'],
    ['avif', 'image/avif', 'heif'],
  ])('encodes %s', async (format, contentType, decodedAs) => {
    const res = await resize(`width=100&height=100&fit=fill&format=${format}&quality=60`)
      .set('Content-Type', 'image/png')
      .send(png)
      .expect(200);
    expect(res.headers['content-type']).toBe(contentType);
    expect(await sharp(res.body as Buffer).metadata()).toMatchObject({
      format: decodedAs,
      width: 100,
      height: 100,
    });
  });

  it.each([
    ['', /at least one of width and height/],
    ['width=abc', /width must be an integer/],
    ['width=0', /width must be an integer/],
    ['width=99999', /width must be an integer from 1 to 8192/],
    ['width=10&fit=squash', /fit must be one of/],
    ['width=10&format=gif', /format must be one of/],
    ['width=10&quality=101', /quality must be an integer/],
    ['width=10&width=20', /width must be given once/],
    ['width=10&colour=red', /Unknown query parameter colour/],
  ])('answers 400 to "%s"', async (query, message) => {
    const res = await resize(query).set('Content-Type', 'image/png').send(png).expect(400);
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('answers 413 to a body over IMAGE_MAX_INPUT_BYTES', async () => {
    const big = await makeJpeg(2000, 2000);
    expect(big.length).toBeGreaterThan(512 * 1024);
    const res = await resize('width=10').set('Content-Type', 'image/jpeg').send(big).expect(413);
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
    });
  });

  it('answers 413 to a decompression bomb without decoding it', async () => {
    const bomb = makePngBomb(30_000, 30_000); // 900 MP declared, a few hundred bytes on the wire
    expect(bomb.length).toBeLessThan(10_000);
    const rssBefore = process.memoryUsage().rss;
    const res = await resize('width=10').set('Content-Type', 'image/png').send(bomb).expect(413);
    expect((res.body as Buffer).toString()).toMatch(/900000000 pixels, over the limit of 50000000/);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it('answers 413 at once to a progressive JPEG with too many scans, and resizes a real one', async () => {
    // 16.8 MP in 2,000 scans of "nothing here", 103 KB: libjpeg would spend seconds on it.
    const bomb = makeJpegScanBomb(4096, 2000);
    expect(bomb.length).toBeLessThan(110_000);
    const started = Date.now();
    const res = await resize('width=10').set('Content-Type', 'image/jpeg').send(bomb).expect(413);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({
      statusCode: 413,
      message:
        'The progressive JPEG has more than 100 scans; decoding them cannot be stopped by the deadline',
    });
    const progressive = await sharp(await makeJpeg(320, 240))
      .jpeg({ progressive: true })
      .toBuffer();
    const ok = await resize('width=32')
      .set('Content-Type', 'image/jpeg')
      .send(progressive)
      .expect(200);
    expect(await sharp(ok.body as Buffer).metadata()).toMatchObject({ format: 'jpeg', width: 32 });
  });

  it.each([
    ['text/plain', Buffer.from('hello'), /Content-Type must be image/],
    ['image/png', Buffer.from('definitely not a png'), /not an image that can be decoded/],
    ['image/png', 'truncated', /could not be decoded|not an image/],
  ])('answers 415 to %s that is not a decodable image', async (type, body, message) => {
    const payload = body === 'truncated' ? png.subarray(0, 200) : body;
    const res = await resize('width=10').set('Content-Type', type).send(payload).expect(415);
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({
      statusCode: 415,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('answers 400 to a multipart body without a file field', async () => {
    const res = await resize('width=10').field('other', 'value').expect(400);
    expect(JSON.parse((res.body as Buffer).toString())).toMatchObject({
      message: 'The multipart body has no "file" file field',
    });
  });

  it('takes the "file" part even after other file parts', async () => {
    const res = await resize('width=32')
      .attach('thumbnail', Buffer.from('ignored'), 'other.bin')
      .attach('file', png, { filename: 'photo.png', contentType: 'image/png' })
      .expect(200);
    expect(await sharp(res.body as Buffer).metadata()).toMatchObject({ width: 32 });
  });

  it('answers 413 when the output would be over IMAGE_MAX_OUTPUT_PIXELS', async () => {
    const thin = await sharp({
      create: { width: 1, height: 1000, channels: 3, background: '#000' },
    })
      .png()
      .toBuffer();
    const res = await resize('width=8192').set('Content-Type', 'image/png').send(thin).expect(413);
    expect((res.body as Buffer).toString()).toMatch(
      /The output would have 67108864000 pixels, over the limit of 50000000/,
    );
  });

  it('answers 413 to a chunked upload as soon as it passes the limit', async () => {
    const server = app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/images/resize?width=10',
          headers: { 'Content-Type': 'image/png' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      // Send 600 KiB (over the 512 KiB limit) and keep the request open: the answer must not wait for its end.
      req.write(Buffer.alloc(600 * 1024));
    });
    expect(status).toBe(413);
  });

  it('stays healthy after bad requests', async () => {
    await resize('width=10').set('Content-Type', 'image/png').send(Buffer.from('junk')).expect(415);
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    await resize('width=32').set('Content-Type', 'image/png').send(png).expect(200);
  });

  it('describes the image route: binary in (raw or multipart), binary image out, its query', async () => {
    const resize = operation(await openApiDocument(app), 'post', '/images/resize');
    expect(resize.requestBody).toMatchObject({
      required: true,
      content: {
        'image/*': { schema: BINARY },
        'multipart/form-data': { schema: { properties: { file: BINARY }, required: ['file'] } },
      },
    });
    expect(resize.responses['200']).toMatchObject({
      content: { 'image/png': { schema: BINARY }, 'image/webp': { schema: BINARY } },
      headers: { 'X-Image-Width': {}, 'X-Image-Height': {} },
    });
    expect(resize.parameters?.map((p) => ('name' in p ? p.name : p.$ref))).toEqual([
      'width',
      'height',
      'fit',
      'format',
      'quality',
    ]);
    // The limit is configuration, filled in by the running app.
    expect(resize.parameters?.[0]).toMatchObject({ schema: { minimum: 1, maximum: 8192 } });
  });
});

describe('POST /images/resize under pressure', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  it('answers 503 with Retry-After when the queue is full', async () => {
    app = await startApp({ WORKER_INLINE_CONCURRENCY: '1', WORKER_POOL_MAX_QUEUE: '0' });
    const pool = app.get(WorkerPool);
    const big = await makeJpeg(2000, 2000);
    const server = app.getHttpServer();
    const slow = request(server)
      .post('/images/resize?width=600&format=avif')
      .set('Content-Type', 'image/jpeg')
      .send(big);
    const slowDone = slow.then((r) => r.status);
    await waitFor(() => pool.stats().inline.running === 1, 'the first resize to start');

    const res = await request(server)
      .post('/images/resize?width=10')
      .set('Content-Type', 'image/jpeg')
      .send(big)
      .expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.stringMatching(/queue is full/) as unknown,
    });
    expect(await slowDone).toBe(200);
  });

  it('answers 503 with Retry-After when uploads in memory reach IMAGE_MAX_BUFFERED_BYTES', async () => {
    const mib = 1024 * 1024;
    app = await startApp({
      IMAGE_MAX_INPUT_BYTES: String(mib),
      IMAGE_MAX_BUFFERED_BYTES: String(mib),
    });
    const { port } = app.getHttpServer().address() as AddressInfo;
    // A slow client holds 1000 KiB of the 1024 KiB budget with an upload it has only begun.
    const slow = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/images/resize?width=10',
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(1000 * 1024) },
    });
    slow.on('error', () => undefined);
    try {
      slow.write(Buffer.alloc(1024));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const photo = await makeJpeg(400, 300);
      expect(photo.length).toBeGreaterThan(24 * 1024);
      const res = await request(app.getHttpServer())
        .post('/images/resize?width=10')
        .set('Content-Type', 'image/jpeg')
        .send(photo)
        .expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({
        statusCode: 503,
        message: expect.stringMatching(/Too many uploads/) as unknown,
      });
    } finally {
      slow.destroy();
    }
  });

  it('answers 504 when the resize passes its deadline', async () => {
    // A 4 MP decode and encode takes far longer than 20 ms, and ends by itself soon after.
    app = await startApp({ WORKER_TASK_TIMEOUT_MS: '20' });
    const big = await makeJpeg(2000, 2000);
    const res = await request(app.getHttpServer())
      .post('/images/resize?width=1900&format=png')
      .set('Content-Type', 'image/jpeg')
      .send(big)
      .expect(504);
    expect(res.body).toMatchObject({
      statusCode: 504,
      error: 'Gateway Timeout',
      message: expect.stringMatching(/within 20 ms/) as unknown,
    });
    expect(app.get(WorkerPool).stats().timedOut).toBe(1);
  });
});
