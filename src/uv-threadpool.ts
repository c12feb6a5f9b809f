import { availableCpus, envInt } from './config/env';

/*
 * sharp runs libvips on libuv's thread pool, which also serves fs and dns. libuv sizes
 * that pool once, on first use, from UV_THREADPOOL_SIZE (default 4): so this module is
 * imported first by main.ts, and sizes it for WORKER_INLINE_CONCURRENCY image tasks plus
 * two threads for everything else, unless the operator chose a size.
 */
if (!process.env.UV_THREADPOOL_SIZE) {
  const images = envInt(process.env, 'WORKER_INLINE_CONCURRENCY', {
    default: availableCpus(),
    min: 1,
    max: 256,
  });
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, images + 2));
}
