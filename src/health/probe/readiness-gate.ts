/**
 * Readiness with hysteresis: the answer changes only after the underlying condition has
 * held the other way for `holdMs`, so a burst that saturates the workers for a moment does
 * not flap the pod out of its Service. Two exceptions answer at once: shutdown (load
 * balancers must stop sending now) and the first time the service becomes ready.
 */
export class ReadinessGate {
  private reported = false;
  private everReady = false;
  private differingSince?: number;

  constructor(
    private readonly holdMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feeds the current condition; returns the readiness to report. */
  update(ready: boolean, shuttingDown: boolean): boolean {
    if (shuttingDown) return this.set(false);
    if (ready === this.reported) {
      this.differingSince = undefined;
      return this.reported;
    }
    if (ready && !this.everReady) return this.set(true);
    const now = this.now();
    this.differingSince ??= now;
    if (now - this.differingSince >= this.holdMs) return this.set(ready);
    return this.reported;
  }

  private set(ready: boolean): boolean {
    this.reported = ready;
    this.everReady ||= ready;
    this.differingSince = undefined;
    return ready;
  }
}
