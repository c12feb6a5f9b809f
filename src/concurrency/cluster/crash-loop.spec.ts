import type { Clock } from './clock';
import { CrashLoopDetector } from './crash-loop';

class FakeClock implements Clock {
  private ms = 1_000_000;

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}

describe('CrashLoopDetector', () => {
  let clock: FakeClock;
  let detector: CrashLoopDetector;
  const quick = { uptimeMs: 500, ready: true };
  const stable = { uptimeMs: 10_000, ready: true };

  beforeEach(() => {
    clock = new FakeClock();
    detector = new CrashLoopDetector({
      maxUnstableExits: 3,
      windowMs: 60_000,
      stableUptimeMs: 10_000,
      clock,
    });
  });

  it('reports a crash loop on the K-th unstable exit inside the window', () => {
    expect(detector.record(quick)).toBe(false);
    clock.advance(20_000);
    expect(detector.record(quick)).toBe(false);
    clock.advance(20_000);
    expect(detector.record(quick)).toBe(true);
    expect(detector.recentUnstableExits).toBe(3);
  });

  it('keeps reporting while the window holds K or more unstable exits', () => {
    detector.record(quick);
    detector.record(quick);
    expect(detector.record(quick)).toBe(true);
    expect(detector.record(quick)).toBe(true);
    expect(detector.recentUnstableExits).toBe(4);
  });

  it('does not count stable exits, nor report on one', () => {
    detector.record(quick);
    detector.record(quick);
    expect(detector.record(stable)).toBe(false);
    expect(detector.record({ uptimeMs: 3_600_000, ready: true })).toBe(false);
    expect(detector.recentUnstableExits).toBe(2);
    expect(detector.record(quick)).toBe(true);
  });

  it('counts an exit just below the stable uptime as unstable', () => {
    detector.record({ uptimeMs: 9_999, ready: true });
    expect(detector.recentUnstableExits).toBe(1);
  });

  it('forgets exits once they are windowMs old', () => {
    detector.record(quick);
    clock.advance(30_000);
    detector.record(quick);
    clock.advance(29_999);
    expect(detector.recentUnstableExits).toBe(2);
    clock.advance(1);
    expect(detector.recentUnstableExits).toBe(1);
    expect(detector.record(quick)).toBe(false);
    clock.advance(30_000);
    expect(detector.recentUnstableExits).toBe(1);
  });

  it('never reports when unstable exits are spread wider than the window', () => {
    for (let i = 0; i < 10; i++) {
      expect(detector.record(quick)).toBe(false);
      clock.advance(30_001);
    }
  });

  it('counts an exit of a worker that never became ready, however long it ran', () => {
    const hung = { uptimeMs: 3_600_000, ready: false };
    expect(detector.record(hung)).toBe(false);
    expect(detector.record(hung)).toBe(false);
    expect(detector.record(hung)).toBe(true);
  });

  it('reads the system clock by default', () => {
    const real = new CrashLoopDetector({
      maxUnstableExits: 1,
      windowMs: 60_000,
      stableUptimeMs: 1,
    });
    expect(real.record({ uptimeMs: 0, ready: true })).toBe(true);
    expect(real.recentUnstableExits).toBe(1);
  });

  it.each([{ maxUnstableExits: 0 }, { maxUnstableExits: 1.5 }, { windowMs: 0 }])(
    'refuses the options %j',
    (bad) => {
      expect(
        () =>
          new CrashLoopDetector({ maxUnstableExits: 3, windowMs: 1, stableUptimeMs: 1, ...bad }),
      ).toThrow(RangeError);
    },
  );
});
