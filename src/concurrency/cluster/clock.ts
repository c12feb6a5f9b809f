/** A source of milliseconds; only differences between two readings mean anything. */
export interface Clock {
  now(): number;
}

/**
 * Monotonic milliseconds (`performance.now()`), not `Date.now()`: an NTP step or a manual
 * clock change must not age crash-loop exits out early, or keep them forever.
 */
export const systemClock: Clock = { now: () => performance.now() };
