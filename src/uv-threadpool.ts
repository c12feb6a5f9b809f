import { availableCpus, envInt } from './config/env';

/*
 * sharp runs libvips on libuv's thread pool, which also serves fs and dns. libuv sizes
 * that pool once, on first use, from UV_THREADPOOL_SIZE (default 4): so this module is
 * imported first by main.ts, and sizes it for WORKER_INLINE_CONCURRENCY image tasks plus
 * two threads for everything else, unless the operator chose a size. It reads the process
 * environment only: a value set in `.env` is loaded later, too late for libuv.
 */
function inlineConcurrency(): number | undefined {
  try {
    return envInt(process.env, 'WORKER_INLINE_CONCURRENCY', {
      default: availableCpus(),
      min: 1,
      max: 256,
    });
  } catch {
    return undefined; // the config validation at boot reports it, as one clear line
  }
}

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, (inlineConcurrency() ?? 1) + 2));
}
