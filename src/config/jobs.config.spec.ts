import { jobConcurrency, readJobsConfig, readRedisUrl } from './jobs.config';

describe('jobs config', () => {
  it('is off without REDIS_URL, with the documented defaults', () => {
    expect(readJobsConfig({})).toEqual({
      redisUrl: undefined,
      maxWaiting: 1000,
      attempts: 3,
      resultTtlS: 86_400,
      maxResultBytes: 32 * 1024 * 1024,
      concurrency: 'auto',
      stalledIntervalMs: 30_000,
    });
    expect(readRedisUrl({ REDIS_URL: '  ' })).toBeUndefined();
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://:secret@redis.example:6380/2', 'redis://redis'])(
    'takes %s',
    (url) => expect(readRedisUrl({ REDIS_URL: url })).toBe(url),
  );

  it.each(['127.0.0.1:6379', 'http://redis:6379', 'redis://', 'not a url'])(
    'refuses %s, naming REDIS_URL but not echoing the value (it may hold a password)',
    (url) => {
      expect(() => readRedisUrl({ REDIS_URL: url })).toThrow(/REDIS_URL="\(hidden\)".*redis:\/\//);
      expect(() => readRedisUrl({ REDIS_URL: `${url}#pw` })).not.toThrow(/#pw/);
    },
  );

  it('refuses an out-of-range limit, naming it', () => {
    expect(() => readJobsConfig({ JOBS_ATTEMPTS: '0' })).toThrow(/JOBS_ATTEMPTS/);
    expect(() => readJobsConfig({ JOBS_CONCURRENCY: 'lots' })).toThrow(/JOBS_CONCURRENCY/);
  });

  it('runs half the pool threads at once by default, at least 1', () => {
    const auto = readJobsConfig({});
    expect([1, 2, 3, 4, 8].map((threads) => jobConcurrency(auto, threads))).toEqual([
      1, 1, 1, 2, 4,
    ]);
    expect(jobConcurrency(readJobsConfig({ JOBS_CONCURRENCY: '6' }), 2)).toBe(6);
  });
});
