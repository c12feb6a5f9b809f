import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import {
  call,
  enqueueReport,
  metric,
  msPerTableRow,
  tableFor,
  waitFor,
  waitForStatus,
} from './jobs';
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
      PDF_MAX_PAGES: '2000',
      PDF_MAX_BODY_BYTES: String(4 * 1024 * 1024),
      WORKER_TASK_TIMEOUT_MS: '120000',
      // The long table holds some 100 KB of heap per row while it renders (20,000 rows did
      // not fit 2 GiB).
      WORKER_MAX_HEAP_MB: '4096',
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
    // About 1 s and 12 s of rendering: one ends within the timeout, one cannot. The long one
    // is at most 16,000 rows (they fit the 4 MiB body and the 4 GiB heap), which the
    // calibration put at about 6 s on Node 24 here: twice the timeout.
    const msPerRow = await msPerTableRow(first.base);
    const short = await enqueueReport(first.base, tableFor(msPerRow, 1, 16_000));
    long = await enqueueReport(first.base, tableFor(msPerRow, 12, 16_000));
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
    const longJob = await queue.getJob(long);
    expect(await longJob!.getState()).toBe('waiting');
    expect(longJob!.failedReason).toBeFalsy();
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
    expect(job.attempts).toBeGreaterThanOrEqual(3); // on SIGTERM's instance, the killed one, here
    const result = await call(survivor.base, `/jobs/${long}/result`);
    expect(result.headers.get('content-type')).toBe('application/pdf');
    expect(result.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // Found stalled within about twice the lock's life, then rendered again from the start.
    expect(Date.now() - killedAt).toBeLessThan(120_000);
  }, 200_000);
});
