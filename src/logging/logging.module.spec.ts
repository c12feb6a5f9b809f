import { PassThrough } from 'node:stream';
import { Controller, Get, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createHttpAdapter } from '../common/http/http-adapter';
import { AppLogger } from './app-logger';
import { LoggingModule } from './logging.module';
import { createProcessLogger, setProcessLogger } from './process-logger';

@Controller()
class ProbeController {
  private readonly logger = new Logger('Probe');

  @Get('hello')
  hello() {
    this.logger.log('saying hello');
    return { hello: 'world' };
  }

  @Get('boom')
  boom() {
    this.logger.warn('about to fail');
    throw new Error('it broke');
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ imports: [LoggingModule], controllers: [ProbeController] })
class ProbeModule {}

type Line = Record<string, unknown> & { msg: string; level: string };

describe('LoggingModule', () => {
  let app: NestFastifyApplication;
  let output = '';
  let from = 0;
  const parse = (text: string): Line[] =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Line);
  /** The lines of the current test. */
  const lines = () => parse(output.slice(from));

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => (output += chunk.toString()));
    setProcessLogger(
      createProcessLogger({
        worker: '7',
        config: { level: 'debug', format: 'json' },
        destination: sink,
      }),
    );
    const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
      bufferLogs: true,
    });
    app.useLogger(app.get(AppLogger));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());
  beforeEach(() => (from = output.length));

  it("writes Nest's boot lines as JSON with pid and worker, the module and route map at debug", () => {
    const boot = parse(output.slice(0, from));
    for (const line of boot) expect(line).toMatchObject({ pid: process.pid, worker: '7' });
    const chatter = boot.filter((line) =>
      ['InstanceLoader', 'RoutesResolver', 'RouterExplorer'].includes(line.context as string),
    );
    expect(chatter.length).toBeGreaterThan(3);
    expect(chatter.every((line) => line.level === 'debug')).toBe(true);
    expect(boot).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'NestApplication' }),
    );
  });

  it('gives a request a fresh id, echoes it, and logs it on its lines and its access line', async () => {
    const response = await request(app.getHttpServer()).get('/hello').expect(200);
    const id = response.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'saying hello', context: 'Probe', reqId: id, worker: '7' }),
      expect.objectContaining({
        level: 'info',
        msg: expect.stringMatching(/^GET \/hello 200 \d+ ms$/) as unknown,
        reqId: id,
        req: { method: 'GET', url: '/hello', remoteAddress: expect.any(String) as unknown },
        res: { statusCode: 200 },
        pid: process.pid,
        worker: '7',
      }),
    ]);
  });

  it('keeps a valid incoming X-Request-Id', async () => {
    const id = 'upstream-trace.42_A';
    await request(app.getHttpServer())
      .get('/hello')
      .set('X-Request-Id', id)
      .expect('X-Request-Id', id);
    expect(lines().map((line) => line.reqId)).toEqual([id, id]);
  });

  it.each([
    ['with a space', 'not valid'],
    ['with a quote', 'a"b'],
    ['of 129 characters', 'a'.repeat(129)],
  ])('replaces an incoming id %s', async (_, id) => {
    const response = await request(app.getHttpServer()).get('/hello').set('X-Request-Id', id);
    const echoed = response.headers['x-request-id'];
    expect(echoed).not.toBe(id);
    expect(echoed).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().map((line) => line.reqId)).toEqual([echoed, echoed]);
  });

  it('keeps 128 characters', async () => {
    const id = 'b'.repeat(128);
    await request(app.getHttpServer())
      .get('/hello')
      .set('X-Request-Id', id)
      .expect('X-Request-Id', id);
  });

  it("ties a failing request's error lines and its access line to its id", async () => {
    await request(app.getHttpServer()).get('/boom').set('X-Request-Id', 'failing-1').expect(500);
    const mine = lines().filter((line) => line.reqId === 'failing-1');
    expect(mine).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'about to fail', context: 'Probe' }),
      expect.objectContaining({
        level: 'error',
        err: expect.objectContaining({ message: 'it broke' }) as unknown,
      }),
      expect.objectContaining({
        level: 'error',
        msg: expect.stringMatching(/^GET \/boom 500/) as unknown,
        res: { statusCode: 500 },
      }),
    ]);
    // pino-http's made-up 'failed with status code 500' error adds nothing: left out.
    expect(mine[2]).not.toHaveProperty('err');
  });

  it('logs health probes at debug only', async () => {
    await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'debug',
        req: expect.objectContaining({ url: '/health/live' }) as unknown,
      }),
    ]);
  });
});
