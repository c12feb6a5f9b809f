import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { ChildProcessRunner } from '../../../concurrency/child-process';
import { startApp } from '../../../../test/support/app';
import { binary } from '../../../../test/support/binary';
import { waitFor } from '../../../../test/support/wait';
import { BINARY, openApiDocument, operation } from '../../../../test/support/openapi';
import { CommandsService } from '../commands.service';

const COMMANDS = join(__dirname, 'fixtures', 'commands.e2e.json');

describe('POST /commands/:name', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startApp({ COMMANDS_CONFIG: COMMANDS, CHILD_PROCESS_MAX_INPUT_BYTES: '100000' });
  });
  afterAll(() => app.close());

  const run = (path: string) =>
    request(app.getHttpServer()).post(`/commands/${path}`).buffer(true).parse(binary);
  const json = (res: request.Response) => JSON.parse((res.body as Buffer).toString()) as unknown;
  const port = () => (app.getHttpServer().address() as { port: number }).port;

  /**
   * POSTs `count` copies of `chunk` with Transfer-Encoding: chunked (no Content-Length) and
   * reads the answer to its end or its cut: `complete` is false when the response ended
   * without its last chunk.
   */
  function postChunked(
    path: string,
    count: number,
    chunk = Buffer.alloc(0),
  ): Promise<{ status?: number; body: Buffer; complete: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: port(), path, method: 'POST' },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (data: Buffer) => chunks.push(data));
          response.on('error', () => undefined); // a cut response: seen in `complete`
          response.once('close', () =>
            resolve({
              status: response.statusCode,
              body: Buffer.concat(chunks),
              complete: response.complete,
            }),
          );
        },
      );
      req.on('error', reject);
      req.setHeader('Content-Type', 'text/plain');
      req.setHeader('Transfer-Encoding', 'chunked');
      for (let i = 0; i < count; i++) req.write(chunk);
      req.end();
    });
  }

  it('streams the body to stdin and answers with stdout', async () => {
    const res = await run('wordcount')
      .set('Content-Type', 'text/plain')
      .send('one two three')
      .expect(200);
    expect((res.body as Buffer).toString().trim()).toBe('3');
    expect(res.headers['content-type']).toBe('application/octet-stream');
  });

  it('runs sha256 and gzip with a parameter', async () => {
    const data = Buffer.from('hash me '.repeat(1000));
    const hashed = await run('sha256')
      .set('Content-Type', 'application/octet-stream')
      .send(data)
      .expect(200);
    expect((hashed.body as Buffer).toString()).toContain(
      createHash('sha256').update(data).digest('hex'),
    );
    const zipped = await run('gzip?level=9')
      .set('Content-Type', 'application/octet-stream')
      .send(data)
      .expect(200);
    expect(gunzipSync(zipped.body as Buffer).equals(data)).toBe(true);
  });

  it('takes a JSON body as plain bytes, not as parsed JSON', async () => {
    const res = await run('wordcount')
      .set('Content-Type', 'application/json')
      .send('{"a": 1, "b": 2}')
      .expect(200);
    expect((res.body as Buffer).toString().trim()).toBe('4');
  });

  it("takes a JSON body as plain bytes whatever the path's case (routing ignores it)", async () => {
    const res = await request(app.getHttpServer())
      .post('/COMMANDS/wordcount')
      .set('Content-Type', 'application/json')
      .send('{"a": 1, "b": 2}')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect((res.body as Buffer).toString().trim()).toBe('4');
  });

  it('keeps a parameter inside one argument: no shell, no extra option', async () => {
    const res = await run(
      `echo?text=${encodeURIComponent('$(id) `whoami`; rm -rf / && echo')}`,
    ).expect(200);
    expect((res.body as Buffer).toString()).toBe('$(id) `whoami`; rm -rf / && echo');
  });

  it('streams a large output', async () => {
    const res = await run('bigstream').expect(200);
    expect((res.body as Buffer).length).toBe(2_000_000);
  });

  it.each([
    ['nope', 404, /Unknown command "nope"/],
    ['gzip?level=10', 400, /level must be an integer from 1 to 9/],
    ['gzip?fast=1', 400, /Unknown parameter fast for command gzip/],
    ['echo?text=-rf', 400, /may not start an argument with "-"/],
    ['echo', 400, /text is required/],
  ])('answers %s with %i', async (path, status, message) => {
    const res = await run(path).expect(status);
    expect(json(res)).toMatchObject({
      statusCode: status,
      message: expect.stringMatching(message) as unknown,
    });
  });

  it('answers 413 to input over CHILD_PROCESS_MAX_INPUT_BYTES labelled multipart/form-data', async () => {
    // Found by the HTTP fuzz: that content type took another parser, past the input limit.
    const res = await run('wordcount')
      .set('Content-Type', 'multipart/form-data; boundary=x')
      .send(Buffer.alloc(100_001, 'x'))
      .expect(413);
    expect(json(res)).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('answers 413 to input over CHILD_PROCESS_MAX_INPUT_BYTES declared in Content-Length', async () => {
    const res = await run('wordcount')
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(200_000))
      .expect(413);
    expect(json(res)).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
  });

  it('answers 413 to a chunked body that grows past CHILD_PROCESS_MAX_INPUT_BYTES as it streams', async () => {
    // No Content-Length: nothing is known up front; the limit on the body as it streams
    // into stdin (the controller's read-ahead) is what stops it.
    const res = await postChunked('/commands/wordcount', 20, Buffer.alloc(10_000, 'x'));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toMatchObject({
      statusCode: 413,
      error: 'Payload Too Large',
    });
    await run('wordcount').send('still fine').expect(200);
  });

  it('cuts the response short when a command fails after more than 64 KiB of output', async () => {
    // The 200 went out with the first 64 KiB; the exit code 3 comes later. All that is left is
    // to end the response without its last chunk, so the client sees a broken transfer rather
    // than a complete, truncated 200.
    const res = await postChunked('/commands/spill', 0);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(false);
    expect(res.body.length).toBeLessThanOrEqual(200_000);
    await run('wordcount').send('still fine').expect(200);
  });

  it('answers 422 with the exit code and a stderr tail on a non-zero exit', async () => {
    const res = await run('fail').expect(422);
    expect(json(res)).toMatchObject({
      statusCode: 422,
      error: 'Unprocessable Entity',
      exitCode: 3,
      stderrTail: 'it went wrong\n',
    });
  });

  it('answers 502 when the output passes the cap, and 504 on timeout, leaving the service healthy', async () => {
    const flood = await run('flood').expect(502);
    expect(json(flood)).toMatchObject({ statusCode: 502, error: 'Bad Gateway' });
    const slow = await run('sleep').expect(504);
    expect(json(slow)).toMatchObject({ statusCode: 504, error: 'Gateway Timeout' });
    const stats = app.get(ChildProcessRunner).stats();
    expect(stats.running).toEqual([]);
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    await run('wordcount').send('still fine').expect(200);
  });

  it('lists the configured commands as the values of :name, with their parameters', async () => {
    const documented = operation(await openApiDocument(app), 'post', '/commands/{name}');
    expect(documented.parameters?.find((p) => 'name' in p && p.name === 'name')).toMatchObject({
      in: 'path',
      schema: { enum: app.get(CommandsService).names() },
    });
    expect(documented.description).toContain('`gzip`: `level`: integer 1 … 9, default `6`');
    expect(documented.responses['200']).toMatchObject({
      content: { 'application/octet-stream': { schema: BINARY } },
    });
    expect(documented.responses['422']).toMatchObject({
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/CommandFailedBody' } },
      },
    });
  });
});

describe('POST /commands/:name under pressure', () => {
  let app: NestFastifyApplication | undefined;
  afterEach(() => app?.close());

  it('answers 503 with Retry-After when the queue is full', async () => {
    app = await startApp({
      COMMANDS_CONFIG: COMMANDS,
      CHILD_PROCESS_MAX_CONCURRENCY: '1',
      CHILD_PROCESS_MAX_QUEUE: '0',
    });
    const runner = app.get(ChildProcessRunner);
    // `hold` times out after 2 s: long enough for the second request to come while it runs,
    // however loaded the machine.
    const slow = request(app.getHttpServer())
      .post('/commands/hold')
      .then((r) => r.status);
    await waitFor(() => runner.stats().running.length === 1, 'the first command to start');
    const res = await request(app.getHttpServer())
      .post('/commands/wordcount')
      .send('x')
      .expect(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(await slow).toBe(504);
  });

  it('answers 503 with Retry-After once shutdown begins', async () => {
    app = await startApp({ COMMANDS_CONFIG: COMMANDS });
    app.get(ChildProcessRunner).beforeApplicationShutdown(); // what app.close() calls first
    const res = await request(app.getHttpServer())
      .post('/commands/wordcount')
      .send('x')
      .expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    await request(app.getHttpServer()).get('/health/ready').expect(503);
  });

  it('refuses to start with a commands file naming a missing executable', async () => {
    const bad = join(__dirname, 'fixtures', 'commands.missing.json');
    await expect(startApp({ COMMANDS_CONFIG: bad })).rejects.toThrow(
      /commands\.ghost\.executable "no-such-tool-anywhere" cannot be run/,
    );
  });
});
