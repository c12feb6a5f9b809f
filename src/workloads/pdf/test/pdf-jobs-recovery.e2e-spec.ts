import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import {
  call,
  enqueueReport,
  metric,
  msPerTableRow,
  tableFor,
  tableLimits,
  waitFor,
  waitForStatus,
} from './jobs';
import { REPORT_LIMITS } from '../report.validation';
import { describeWithRedis, RedisServer } from '../../../../test/support/redis';
import { freePort, ServiceProcess } from '../../../../test/support/service-process';

/*
 * Nothing accepted is lost, against real processes: an instance that is told to stop
 * (SIGTERM) finishes what it can within SHUTDOWN_TIMEOUT_MS and returns the rest to the
 * queue; an instance that dies (SIGKILL) loses its job to another instance, which
 * completes it once BullMQ's stalled-job check finds it.
 */
const SHUTDOWN_TIMEOUT_MS = 3_000;
// Short enough for a quick takeover, long enough that a loaded machine renews its locks in time.
const STALLED_MS = 3_000;
/**
 * Seconds of rendering of the long job, by the calibration: well past SHUTDOWN_TIMEOUT_MS,
 * and still running seconds after an instance is seen running it. About 13,500 rows on Node
 * 20 here, 14,500 on Node 24.
 */
const LONG_S = 8;
/** One table can be no longer (REPORT_LIMITS.rows): the bound, and the limits that follow. */
const MAX_ROWS = REPORT_LIMITS.rows;

interface Instance {
  service: ServiceProcess;
  base: string;
  probes: string;
}

describeWithRedis('async jobs across instances', () => {
  let redis: RedisServer;
  let client: IORedis;
  let queue: Queue;
  const instances: Instance[] = [];

  async function start(): Promise<Instance> {
    const [port, healthPort] = [await freePort(), await freePort()];
    const service = new ServiceProcess({
      PORT: String(port),
      HEALTH_PORT: String(healthPort),
      CLUSTER_ENABLED: 'false',
      WORKER_POOL_THREADS: '2',
      REDIS_URL: redis.url,
      JOBS_CONCURRENCY: '2',
      JOBS_STALLED_INTERVAL_MS: String(STALLED_MS),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      WORKER_TASK_TIMEOUT_MS: '120000',
      ...tableLimits(MAX_ROWS),
    });
    const instance = {
      service,
      base: `http://127.0.0.1:${port}`,
      probes: `http://127.0.0.1:${healthPort}`,
    };
    instances.push(instance);
    await service.waitForOutput(/"event":"jobs.redis","up":true/, 45_000);
    await service.waitForOk(`${instance.base}/health/ready`, 30_000);
    return instance;
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
    // BullMQ itself, as a second reader of the queue's state (not through the service).
    client = new IORedis(redis.url, { maxRetriesPerRequest: null });
    queue = new Queue('jobs', { connection: client });
  });
  afterAll(async () => {
    await Promise.all(instances.map(({ service }) => service.stop()));
    await queue?.close();
    client?.disconnect();
    await redis?.stop();
  });

  let long: string;

  it('on SIGTERM finishes running jobs within SHUTDOWN_TIMEOUT_MS and returns the rest to the queue', async () => {
    const first = await start();
    // About 1 s and LONG_S of rendering: one ends within the timeout, one cannot.
    const msPerRow = await msPerTableRow(first.base);
    const short = await enqueueReport(first.base, tableFor(msPerRow, 1, MAX_ROWS));
    long = await enqueueReport(first.base, tableFor(msPerRow, LONG_S, MAX_ROWS));
    await waitForStatus(first.base, short, ['active']);
    await waitForStatus(first.base, long, ['active']);

    const stopAt = Date.now();
    first.service.child.kill('SIGTERM');
    const { code } = await first.service.exited;
    expect(code).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 8_000);

    // Each job either finished during the drain or went back to the queue: none failed, none
    // is left active on a process that is gone. The short one finishes in time unless the
    // machine is starved; the long one cannot, and waits for another instance.
    const shortJob = await queue.getJob(short);
    const shortState = await shortJob!.getState();
    expect(['completed', 'waiting']).toContain(shortState);
    expect(shortJob!.attemptsStarted).toBe(1);
    if (shortState === 'completed') expect(shortJob!.finishedOn).toBeGreaterThan(stopAt);
    // Still running when the drain ended (a long job too short for this machine shows
    // here as completed), then given back: started once, not finished, not failed.
    const longJob = await queue.getJob(long);
    expect({
      state: await longJob!.getState(),
      attemptsStarted: longJob!.attemptsStarted,
      finishedOn: longJob!.finishedOn,
      failedReason: longJob!.failedReason || undefined,
    }).toEqual({
      state: 'waiting',
      attemptsStarted: 1,
      finishedOn: undefined,
      failedReason: undefined,
    });
    const returned = shortState === 'waiting' ? 2 : 1;
    expect(first.service.output).toContain(`"event":"jobs.returned","jobs":${returned}`);
  }, 90_000);

  it('after a SIGKILL mid-run, another instance completes the job', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    await waitForStatus(a.base, long, ['active']);
    let runner: Instance | undefined;
    await waitFor(async () => {
      for (const instance of [a, b]) {
        if ((await metric(instance.probes, 'jobs_running', { type: 'pdf-report' })) === 1) {
          runner = instance;
        }
      }
      return runner !== undefined;
    }, 'an instance running the job');
    const survivor = runner === a ? b : a;

    runner!.service.child.kill('SIGKILL');
    const killedAt = Date.now();
    const job = await waitForStatus(survivor.base, long, ['completed', 'failed'], 120_000);
    // The error, if any, shows in the failure message.
    expect({ status: job.status, error: job.error }).toEqual({ status: 'completed' });
    // The run that completed it started after the kill: the killed instance was still
    // rendering (a job too short for this machine would have completed there, before it).
    expect(Date.parse(job.startedAt as string)).toBeGreaterThanOrEqual(killedAt);
    expect(job.attempts).toBeGreaterThanOrEqual(3); // on SIGTERM's instance, the killed one, here
    const result = await call(survivor.base, `/jobs/${long}/result`);
    expect(result.headers.get('content-type')).toBe('application/pdf');
    expect(result.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // Found stalled within about twice the lock's life, then rendered again from the start.
    expect(Date.now() - killedAt).toBeLessThan(120_000);
  }, 200_000);
});
