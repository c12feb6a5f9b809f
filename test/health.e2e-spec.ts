import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { WorkerPool } from '../src/concurrency/worker-pool';
import { startApp } from './support/app';

describe('health probes on the app port', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startApp({ WORKER_POOL_THREADS: '2' });
  });
  afterAll(() => app.close());

  it('GET /health/live answers 200 in terminus shape', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { process: { status: 'up', pid: process.pid } },
      error: {},
    });
  });

  it('GET /health/ready includes the worker pool', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: { workerPool: { status: 'up', threads: 2, aliveThreads: 2, queueSize: 0 } },
    });
  });

  it('GET /health/ready answers 503 once shutdown begins, while live stays 200', async () => {
    app.get(WorkerPool).beforeApplicationShutdown();
    const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({
      status: 'error',
      error: { workerPool: { status: 'down', reason: 'shutting down' } },
    });
    await request(app.getHttpServer()).get('/health/live').expect(200);
  });
});
