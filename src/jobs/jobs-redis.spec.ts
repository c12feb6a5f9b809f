import { describeWithRedis, RedisServer } from '../../test/support/redis';
import { freePort } from '../../test/support/service-process';
import { readJobsConfig } from '../config/jobs.config';
import { JobsRedis } from './jobs-redis';

const connect = (redisUrl: string) => new JobsRedis(readJobsConfig({ REDIS_URL: redisUrl }));

describeWithRedis('JobsRedis start-up (a real redis-server)', () => {
  let redis: RedisServer;
  let client: JobsRedis | undefined;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(() => redis.stop());

  it('is connected once module init resolves, so the first requests of a ready instance find Redis', async () => {
    client = connect(redis.url);
    await client.onModuleInit();
    expect(client.ready).toBe(true);
  });

  it('does not hold start-up when Redis is unreachable: init ends at the first error', async () => {
    client = connect(`redis://127.0.0.1:${await freePort()}`);
    const started = performance.now();
    await client.onModuleInit();
    // The first refused connection comes within milliseconds; the wait's own cap is 3 s.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(client.ready).toBe(false);
  });
});
