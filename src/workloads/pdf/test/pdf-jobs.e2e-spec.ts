import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startApp } from '../../../../test/support/app';
import {
  call,
  enqueueReport,
  metric,
  msPerTableRow,
  blankPages,
  tableFor,
  tableLimits,
  waitFor,
  waitForStatus,
} from './jobs';
import { pdftotext } from './poppler';
import { describeWithRedis, RedisServer } from '../../../../test/support/redis';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';

/*
 * The job routes' contract against the real service (`node dist/main.js`, one process) and
 * a real redis-server: what POST /jobs/pdf-report accepts and refuses, what any GET reads,
 * cancellation, the waiting limit, health and metrics, and a Redis outage.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/**
 * A bound on the table of the job the cancellation test stops while it runs (about 3 s of
 * rendering by the calibration, some 5,500 rows here, while its DELETE follows within a
 * second): what a body of about the default 1 MiB holds, some 5 s of rendering here. The
 * service's limits let a table that long render to its end (tableLimits): PDF_MAX_PAGES,
 * the heap.
 */
const CANCEL_MAX_ROWS = 8_500;
const LIMITS = tableLimits(CANCEL_MAX_ROWS);
const MAX_PAGES = Number(LIMITS.PDF_MAX_PAGES);
const MAX_BODY_BYTES = Number(LIMITS.PDF_MAX_BODY_BYTES);
const SMALL = {
  title: 'Job report',
  sections: [{ heading: 'Summary', body: 'Queued, then rendered.' }],
};

describe('async jobs without REDIS_URL', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    expect(process.env.REDIS_URL).toBeUndefined();
    app = await startApp();
    base = await app.getUrl();
  });
  afterAll(() => app.close());

  it.each([
    ['POST', '/jobs/pdf-report'],
    ['GET', '/jobs/0b6f2a51-5d0e-4c57-9a4b-3f0b8a6d2c11'],
    ['GET', '/jobs/0b6f2a51-5d0e-4c57-9a4b-3f0b8a6d2c11/result'],
    ['DELETE', '/jobs/0b6f2a51-5d0e-4c57-9a4b-3f0b8a6d2c11'],
  ])('%s %s answers 501 naming REDIS_URL', async (method, path) => {
    const answer = await call(base, path, { method, ...(method === 'POST' && { json: SMALL }) });
    expect(answer.status).toBe(501);
    expect(answer.body).toMatchObject({ statusCode: 501, error: 'Not Implemented' });
    expect(answer.body.message).toContain('REDIS_URL');
  });

  it('serves the synchronous routes as before', async () => {
    const answer = await call(base, '/pdf/report', { method: 'POST', json: SMALL });
    expect(answer.status).toBe(200);
  });
});

describeWithRedis('async jobs on a real Redis', () => {
  let redis: RedisServer;
  let service: ServiceProcess;
  let base: string;
  let probes: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const [port, healthPort] = [await freePort(), await freePort()];
    service = new ServiceProcess({
      PORT: String(port),
      HEALTH_PORT: String(healthPort),
      CLUSTER_ENABLED: 'false',
      WORKER_POOL_THREADS: '2',
      REDIS_URL: redis.url,
      JOBS_CONCURRENCY: '1',
      JOBS_MAX_WAITING: '2',
      ...LIMITS,
      HEALTH_READY_HYSTERESIS_MS: '0',
    });
    base = `http://127.0.0.1:${port}`;
    probes = `http://127.0.0.1:${healthPort}`;
    // Generous for a shared, loaded machine; about 3 s on an idle one.
    await service.waitForOk(`${base}/health/ready`, 45_000);
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await redis?.stop();
  });

  it('says at boot that jobs are on, and how many this process runs at once', async () => {
    await service.waitForOutput(/"event":"jobs.on".*"concurrency":1/);
    await service.waitForOutput(/"event":"jobs.redis","up":true/);
  });

  it('queues a report (202, Location), any GET reads it, and the result is the PDF', async () => {
    const answer = await call(base, '/jobs/pdf-report', { method: 'POST', json: SMALL });
    expect(answer.status).toBe(202);
    const id = answer.body.id as string;
    expect(id).toMatch(UUID);
    expect(answer.body).toEqual({
      id,
      type: 'pdf-report',
      status: 'queued',
      statusUrl: `/jobs/${id}`,
      resultUrl: `/jobs/${id}/result`,
    });
    expect(answer.headers.get('location')).toBe(`/jobs/${id}`);

    const job = await waitForStatus(base, id, ['completed']);
    expect(job).toEqual({
      id,
      type: 'pdf-report',
      status: 'completed',
      attempts: 1,
      createdAt: expect.stringMatching(ISO) as unknown,
      startedAt: expect.stringMatching(ISO) as unknown,
      finishedAt: expect.stringMatching(ISO) as unknown,
    });
    const result = await call(base, `/jobs/${id}/result`);
    expect(result.status).toBe(200);
    expect(result.headers.get('content-type')).toBe('application/pdf');
    expect(pdftotext(result.bytes)).toContain('Queued, then rendered.');
  });

  const refused: [string, { body: string | Buffer; headers: Record<string, string> }][] = [
    ['invalid JSON', { body: '{"title":', headers: { 'content-type': 'application/json' } }],
    ['an empty body', { body: '', headers: { 'content-type': 'application/json' } }],
    [
      'an unknown field',
      { body: '{"title":"x","colour":1}', headers: { 'content-type': 'application/json' } },
    ],
    ['no title', { body: '{"sections":[]}', headers: { 'content-type': 'application/json' } }],
    [
      'a body over PDF_MAX_BODY_BYTES',
      {
        body: JSON.stringify({ title: 'x'.repeat(MAX_BODY_BYTES) }),
        headers: { 'content-type': 'application/json' },
      },
    ],
    ['text/plain', { body: '{"title":"x"}', headers: { 'content-type': 'text/plain' } }],
    [
      'gzip encoding',
      {
        body: '{"title":"x"}',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      },
    ],
    [
      'a character no font has',
      {
        body: JSON.stringify({ title: 'Crab 🦀' }),
        headers: { 'content-type': 'application/json' },
      },
    ],
  ];

  it.each(refused)(
    'refuses %s as POST /pdf/report does, and queues nothing',
    async (_, request) => {
      const sync = await call(base, '/pdf/report', { method: 'POST', ...request });
      const queued = await call(base, '/jobs/pdf-report', { method: 'POST', ...request });
      expect([400, 413, 415, 422]).toContain(queued.status);
      expect({ status: queued.status, body: queued.body }).toEqual({
        status: sync.status,
        body: sync.body,
      });
    },
  );

  it('answers 404 for an unknown or malformed id', async () => {
    for (const id of ['0b6f2a51-5d0e-4c57-9a4b-3f0b8a6d2c11', 'nope', '1']) {
      const answer = await call(base, `/jobs/${id}`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  it('fails a report the renderer refuses, once (no retry can help); its result is a 409', async () => {
    const id = await enqueueReport(base, blankPages(MAX_PAGES + 1));
    const job = await waitForStatus(base, id, ['failed']);
    expect(job).toMatchObject({
      status: 'failed',
      attempts: 1,
      finishedAt: expect.stringMatching(ISO) as unknown,
    });
    expect(job.error).toContain(`${MAX_PAGES} pages`);

    const result = await call(base, `/jobs/${id}/result`);
    expect(result.status).toBe(409);
    expect(result.body).toMatchObject({
      status: 'failed',
      job: { status: 'failed', error: job.error },
    });
    expect((await call(base, `/jobs/${id}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('refuses past JOBS_MAX_WAITING; cancels a queued job and stops a running one', async () => {
    const abortedBefore = await metric(probes, 'worker_pool_tasks_total', { outcome: 'aborted' });
    // About 3 s of rendering by the calibration: still running at its DELETE, well within 1 s.
    const msPerRow = await msPerTableRow(base);
    const running = await enqueueReport(base, tableFor(msPerRow, 3, CANCEL_MAX_ROWS));
    await waitForStatus(base, running, ['active']);
    // Active is not yet on a thread (its body is parsed and checked first): a DELETE before
    // the pool has the task would cancel it without the pool ever counting it.
    await waitFor(
      async () => (await metric(probes, 'worker_pool_threads', { state: 'busy' })) === 1,
      'the running job on a pool thread',
    );
    const queued = await enqueueReport(base, SMALL);
    const next = await enqueueReport(base, SMALL);

    const full = await call(base, '/jobs/pdf-report', { method: 'POST', json: SMALL });
    expect(full.status).toBe(503);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(full.body.message).toContain('JOBS_MAX_WAITING');

    const early = await call(base, `/jobs/${queued}/result`);
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ status: 'queued' });

    const removed = await call(base, `/jobs/${queued}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: queued, status: 'cancelled' });
    expect((await call(base, `/jobs/${queued}`)).body).toMatchObject({ status: 'cancelled' });

    // Still running when its DELETE came (a job too short for this machine shows here as
    // completed, a 409), and its render on the pool thread aborted (below).
    const stopped = await call(base, `/jobs/${running}`, { method: 'DELETE' });
    expect({ status: stopped.status, body: stopped.body }).toMatchObject({
      status: 200,
      body: { id: running, status: 'cancelled' },
    });
    // Its thread task was cancelled: the pool counts it aborted, and the next job runs.
    await waitForStatus(base, next, ['completed'], 15_000);
    expect(await metric(probes, 'worker_pool_tasks_total', { outcome: 'aborted' })).toBe(
      abortedBefore + 1,
    );
    expect((await call(base, `/jobs/${running}`)).body).toMatchObject({ status: 'cancelled' });
    expect((await call(base, `/jobs/${running}`, { method: 'DELETE' })).status).toBe(409);
    expect(await metric(probes, 'jobs_runs_total', { outcome: 'cancelled' })).toBe(1);
  });

  it('shows the queue and Redis in /health, and jobs_* series in /metrics', async () => {
    type Queue = { active: number; completed: number; failed: number };
    type Health = { details: Record<string, { jobs?: { queue?: Queue } }> };
    const jobs = async () =>
      ((await (await fetch(`${probes}/health`)).json()) as Health).details['worker-0'].jobs;
    // The counts are read from Redis every second: wait for a read after the last change (a
    // cancelled job is counted failed once its render has stopped, after its DELETE answered).
    await waitFor(async () => {
      const queue = (await jobs())?.queue;
      return queue?.active === 0 && queue.completed + queue.failed >= 4;
    }, 'every job of the earlier tests counted in /health');
    expect(await jobs()).toMatchObject({
      enabled: true,
      redis: 'ready',
      // failed: the report over PDF_MAX_PAGES, and the job stopped while running
      queue: { waiting: 0, active: 0, delayed: 0, failed: 2, completed: 2 },
      running: 0,
    });
    expect(await metric(probes, 'jobs_redis_up')).toBe(1);
    expect(await metric(probes, 'jobs_queue_jobs', { state: 'failed' })).toBe(2);
    expect(
      await metric(probes, 'jobs_runs_total', { type: 'pdf-report', outcome: 'completed' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      await metric(probes, 'jobs_duration_seconds_count', { type: 'pdf-report' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      await metric(probes, 'jobs_queue_wait_seconds_count', { type: 'pdf-report' }),
    ).toBeGreaterThanOrEqual(3);
  });

  it('keeps serving and stays ready through a Redis outage; /jobs answers 503 and recovers', async () => {
    await redis.stop();
    const started = Date.now();
    const down = await call(base, '/jobs/0b6f2a51-5d0e-4c57-9a4b-3f0b8a6d2c11');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(down.body.message).toContain('REDIS_URL');
    expect((await call(base, '/jobs/pdf-report', { method: 'POST', json: SMALL })).status).toBe(
      503,
    );
    expect((await call(base, '/pdf/report', { method: 'POST', json: SMALL })).status).toBe(200);
    expect((await call(base, '/health/ready')).status).toBe(200);
    expect(await metric(probes, 'jobs_redis_up')).toBe(0);

    await redis.restart();
    let id: string | undefined;
    const end = Date.now() + 15_000;
    while (!id && Date.now() < end) {
      const answer = await call(base, '/jobs/pdf-report', { method: 'POST', json: SMALL });
      if (answer.status === 202) id = answer.body.id as string;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(id).toBeDefined();
    await waitForStatus(base, id!, ['completed'], 15_000);
  }, 45_000);
});
