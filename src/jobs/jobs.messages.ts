/** Every message of the job queue, in one place. */
export const JobsMessages = {
  off: () => 'Async jobs are off: set REDIS_URL (e.g. redis://127.0.0.1:6379) to turn them on',
  offAtBoot: () =>
    'Async jobs are off (REDIS_URL is not set): set REDIS_URL=redis://host:6379 to turn on /jobs',
  redisUnavailable: (reason: string) =>
    `The job queue's Redis (REDIS_URL) is unreachable (${reason}); try again shortly`,
  queueFull: (maxWaiting: number) =>
    `The job queue is full (JOBS_MAX_WAITING=${maxWaiting} jobs waiting); try again shortly`,
  notFound: (id: string) => `No job ${id}: it never existed, or it expired (JOBS_RESULT_TTL_S)`,
  noResult: (id: string, status: string) => `Job ${id} has no result: it is ${status}`,
  resultExpired: (id: string) => `The result of job ${id} expired (JOBS_RESULT_TTL_S)`,
  notCancellable: (id: string, status: string) =>
    `Job ${id} is ${status}: only a queued or active job can be cancelled`,
  cancelled: () => 'Cancelled by DELETE /jobs/{id}',
  resultTooLarge: (bytes: number, max: number) =>
    `The result is ${bytes} bytes, more than JOBS_MAX_RESULT_BYTES=${max}`,
} as const;
