/** A source of milliseconds; only differences between two readings mean anything. */
export interface Clock {
  now(): number;
}

/**
 * Monotonic milliseconds (`performance.now()`), not `Date.now()`: an NTP step or a manual
 * clock change must not age crash-loop exits out early, or keep them forever.
 */
export const systemClock: Clock = { now: () => performance.now() };

/**
 * Time as a supervisor needs it: monotonic `now()` for every duration and timeout, the wall
 * clock for times people read (`/health`), and timers. Injected, so unit specs drive races
 * (a crash during a rolling restart, a silent worker) on a fake clock.
 */
export interface SupervisorClock extends Clock {
  /** Epoch milliseconds, like `Date.now()`. */
  wallNow(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemSupervisorClock: SupervisorClock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

/** Resolves after `ms` on `clock`. */
export function sleep(clock: SupervisorClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
