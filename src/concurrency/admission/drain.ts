import { setTimeout as delay } from 'node:timers/promises';

/**
 * Shutdown's wait: until `busy()` is false, or `deadline` (a `Date.now()` time) passes.
 * Queued work starts as running work ends, so each round waits on what `running` (a live
 * collection) holds then, and looks again. Resolves true if all work ended in time.
 */
export async function drainUntil(
  deadline: number,
  busy: () => boolean,
  running: Iterable<Promise<unknown>>,
): Promise<boolean> {
  const timer = new AbortController();
  const expired = delay(Math.max(0, deadline - Date.now()), false, {
    signal: timer.signal,
  }).catch(() => false);
  try {
    while (busy()) {
      const now = [...running];
      const settled =
        now.length > 0
          ? Promise.allSettled(now).then(() => true)
          : new Promise<boolean>((resolve) => setImmediate(resolve, true)); // a slot is being taken
      if (!(await Promise.race([settled, expired]))) return false;
    }
    return true;
  } finally {
    timer.abort();
  }
}
