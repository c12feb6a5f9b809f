export interface RestartBackoffOptions {
  /** Delay before the first restart, in ms. */
  initialMs: number;
  /** Largest delay, in ms, jitter included. */
  maxMs: number;
  /** Growth of the delay per attempt. Default 2. */
  multiplier?: number;
  /** Spread of each delay: it is multiplied by a factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  jitter?: number;
  /** An exit after at least this uptime, in ms, starts the backoff over. */
  stableUptimeMs: number;
  /** A number in [0, 1), like `Math.random` (the default); injectable for tests. */
  random?: () => number;
}

/**
 * Delays before restarting one worker slot: exponential with jitter, reset after a stable run.
 * The jitter keeps workers that died together (a bad deploy, a lost database) from all
 * restarting in the same millisecond and failing together again.
 */
export class RestartBackoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private readonly stableUptimeMs: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: RestartBackoffOptions) {
    this.initialMs = options.initialMs;
    this.maxMs = options.maxMs;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
    this.stableUptimeMs = options.stableUptimeMs;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs >= 0 && this.maxMs >= this.initialMs)) {
      throw new RangeError('RestartBackoff: need 0 <= initialMs <= maxMs');
    }
    if (!(this.multiplier >= 1)) throw new RangeError('RestartBackoff: need multiplier >= 1');
    if (!(this.jitter >= 0 && this.jitter <= 1)) {
      throw new RangeError('RestartBackoff: need 0 <= jitter <= 1');
    }
  }

  /** Restarts counted since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /**
   * Delay, in whole ms, before the restart that follows an exit after `uptimeMs`; advances
   * the attempt count. An exit after a stable run gets the initial delay again.
   */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.stableUptimeMs) this.reset();
    // Past the cap the power only grows towards Infinity, which Math.min absorbs.
    const base = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.attempt);
    this.attempt++;
    const factor = 1 - this.jitter + 2 * this.jitter * this.random();
    return Math.min(this.maxMs, Math.round(base * factor));
  }

  /** Starts over from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
