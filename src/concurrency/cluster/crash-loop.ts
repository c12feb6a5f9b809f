import { type Clock, systemClock } from './clock';

export interface CrashLoopOptions {
  /** Unstable exits inside the window that make a crash loop (K). */
  maxUnstableExits: number;
  /** Length of the sliding window, in ms. */
  windowMs: number;
  /** An exit before this uptime, in ms, is unstable. */
  stableUptimeMs: number;
  /** Time source of the window. Default {@link systemClock}. */
  clock?: Clock;
}

/**
 * K unstable exits (uptime < stableUptimeMs, or never ready) within windowMs across all
 * workers = a crash loop. Counting across workers, not per slot, is what catches a bad
 * deploy: every worker dies young, and restarting them one by one would never end.
 */
export class CrashLoopDetector {
  private readonly maxUnstableExits: number;
  private readonly windowMs: number;
  private readonly stableUptimeMs: number;
  private readonly clock: Clock;
  /** When each unstable exit was recorded, oldest first. */
  private readonly exits: number[] = [];

  constructor(options: CrashLoopOptions) {
    this.maxUnstableExits = options.maxUnstableExits;
    this.windowMs = options.windowMs;
    this.stableUptimeMs = options.stableUptimeMs;
    this.clock = options.clock ?? systemClock;
    if (!(Number.isInteger(this.maxUnstableExits) && this.maxUnstableExits >= 1)) {
      throw new RangeError('CrashLoopDetector: need an integer maxUnstableExits >= 1');
    }
    if (!(this.windowMs > 0)) throw new RangeError('CrashLoopDetector: need windowMs > 0');
  }

  /** Unstable exits still inside the window. */
  get recentUnstableExits(): number {
    this.forget(this.clock.now());
    return this.exits.length;
  }

  /**
   * Records an exit; returns true when this exit completes a crash loop (it is unstable and
   * brings the unstable exits inside the window to `maxUnstableExits` or more).
   */
  record(exit: { uptimeMs: number; ready: boolean }): boolean {
    const now = this.clock.now();
    this.forget(now);
    if (exit.ready && exit.uptimeMs >= this.stableUptimeMs) return false;
    this.exits.push(now);
    return this.exits.length >= this.maxUnstableExits;
  }

  /** Drops exits that happened `windowMs` or longer before `now`. */
  private forget(now: number): void {
    const cutoff = now - this.windowMs;
    let stale = 0;
    while (stale < this.exits.length && this.exits[stale] <= cutoff) stale++;
    this.exits.splice(0, stale);
  }
}
