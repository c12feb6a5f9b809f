import type { ModuleMetadata } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ChildProcessModule, ChildProcessRunner } from '../src/concurrency/child-process';
import { defineThreadTask, WorkerPool, WorkerPoolModule } from '../src/concurrency/worker-pool';
import { HealthSnapshotService } from '../src/health/health-snapshot.service';
import { HealthModule } from '../src/health/health.module';
import { MetricsModule } from '../src/metrics/metrics.module';
import { MetricsService } from '../src/metrics/metrics.service';
import type * as Fixtures from './fixtures/pool-tasks.worker';
import { createHttpAdapter } from '../src/common/http/http-adapter';
import { startApp } from './support/app';

// Fixtures, not the shipped workloads: this spec must survive deleting any of src/workloads.
const addTask = defineThreadTask<typeof Fixtures>()(
  require.resolve('./fixtures/pool-tasks.worker'),
  'add',
);

/**
 * A reduced app, composed here the way a template user would write their own root module:
 * started on a real socket (127.0.0.1, random port), without ClusterBootstrap.
 */
async function serve(imports: ModuleMetadata['imports']): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  return app;
}

/** The metric families in the app's own registry (from their `# TYPE` lines). */
async function metricFamilies(app: NestFastifyApplication): Promise<Set<string>> {
  const text = await app.get(MetricsService).text();
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
}

function having(families: Set<string>, prefix: string): string[] {
  return [...families].filter((name) => name.startsWith(prefix));
}

/** Readiness and liveness both answer 200; readiness lists exactly `checks`. */
async function expectHealthy(app: NestFastifyApplication, checks: string[]): Promise<void> {
  await request(app.getHttpServer()).get('/health/live').expect(200);
  const ready = await request(app.getHttpServer()).get('/health/ready').expect(200);
  const body = ready.body as { status: string; error: object; details: object };
  expect(body).toMatchObject({ status: 'ok', error: {} });
  expect(Object.keys(body.details).sort()).toEqual([...checks].sort());
}

describe('pluggable modules', () => {
  describe('an app with WorkerPoolModule only', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await serve([
        WorkerPoolModule.forRoot({ threads: 1, niceIncrement: 0 }),
        HealthModule,
        MetricsModule,
      ]);
    });
    afterAll(() => app.close());

    it('passes its health checks, with the pool and no runner', async () => {
      await expectHealthy(app, ['lifecycle', 'eventLoop', 'workerPool']);
      const snapshot = app.get(HealthSnapshotService).snapshot();
      expect(snapshot.workerPool).toMatchObject({ accepting: true });
      expect(snapshot).not.toHaveProperty('childProcess');
    });

    it('has worker_pool_* series and no child_process_* series', async () => {
      const families = await metricFamilies(app);
      expect(having(families, 'worker_pool_')).toEqual(
        expect.arrayContaining(['worker_pool_queue_depth', 'worker_pool_tasks_total']),
      );
      expect(having(families, 'child_process_')).toEqual([]);
    });

    it('runs a task on a pool thread, and counts it', async () => {
      await expect(app.get(WorkerPool).run(addTask, { a: 2, b: 3 })).resolves.toBe(5);
      const text = await app.get(MetricsService).text();
      expect(text).toMatch(/^worker_pool_tasks_total\{outcome="completed"\} 1$/m);
      // Latencies as histograms, observed per task: one task, one count.
      expect(text).toMatch(/^worker_pool_task_run_seconds_count 1$/m);
      expect(text).toMatch(/^worker_pool_task_wait_seconds_bucket\{le="\+Inf"\} 1$/m);
    });
  });

  describe('an app with ChildProcessModule only', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await serve([
        ChildProcessModule.forRoot({ maxConcurrency: 2 }),
        HealthModule,
        MetricsModule,
      ]);
    });
    afterAll(() => app.close());

    it('passes its health checks, with the runner and no pool', async () => {
      await expectHealthy(app, ['lifecycle', 'eventLoop', 'childProcess']);
      const snapshot = app.get(HealthSnapshotService).snapshot();
      expect(snapshot.childProcess).toMatchObject({ accepting: true });
      expect(snapshot).not.toHaveProperty('workerPool');
    });

    it('has child_process_* series and no worker_pool_* series', async () => {
      const families = await metricFamilies(app);
      expect(having(families, 'child_process_')).toEqual(
        expect.arrayContaining(['child_process_running', 'child_process_runs_total']),
      );
      expect(having(families, 'worker_pool_')).toEqual([]);
    });

    it('runs a command in a child process, and counts it', async () => {
      const result = await app.get(ChildProcessRunner).run('echo', ['pluggable']);
      expect(result.stdout.toString().trim()).toBe('pluggable');
      const text = await app.get(MetricsService).text();
      expect(text).toMatch(/^child_process_runs_total\{outcome="completed"\} 1$/m);
      expect(text).toMatch(/^child_process_run_seconds_count 1$/m);
      expect(text).toMatch(/^child_process_wait_seconds_bucket\{le="\+Inf"\} 1$/m);
    });
  });

  describe('an app with neither', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await serve([HealthModule, MetricsModule]);
    });
    afterAll(() => app.close());

    it('is healthy on its own process checks, with no pool or runner series', async () => {
      await expectHealthy(app, ['lifecycle', 'eventLoop']);
      const families = await metricFamilies(app);
      expect(families.has('http_request_duration_seconds')).toBe(true);
      expect(having(families, 'worker_pool_')).toEqual([]);
      expect(having(families, 'child_process_')).toEqual([]);
    });
  });

  describe('the full AppModule, without ClusterBootstrap', () => {
    let app: NestFastifyApplication;
    beforeAll(async () => {
      app = await startApp({ WORKER_POOL_THREADS: '1' });
    });
    afterAll(() => app.close());

    it('checks and measures both the pool and the runner', async () => {
      await expectHealthy(app, ['lifecycle', 'eventLoop', 'workerPool', 'childProcess']);
      const snapshot = app.get(HealthSnapshotService).snapshot();
      expect(snapshot).toHaveProperty('workerPool');
      expect(snapshot).toHaveProperty('childProcess');
      const families = await metricFamilies(app);
      expect(having(families, 'worker_pool_').length).toBeGreaterThan(0);
      expect(having(families, 'child_process_').length).toBeGreaterThan(0);
    });
  });
});
