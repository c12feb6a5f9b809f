import { RestartBackoff } from './restart-backoff';

describe('RestartBackoff', () => {
  const options = { initialMs: 100, maxMs: 1_000, stableUptimeMs: 10_000 };
  /** A random source that always returns `value`: the factor is then 1 - j + 2j·value. */
  const fixed = (value: number) => () => value;

  it('doubles the delay after each quick exit, then holds it at the cap', () => {
    const backoff = new RestartBackoff({ ...options, jitter: 0 });
    const delays = Array.from({ length: 7 }, () => backoff.next(50));
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    expect(backoff.attempts).toBe(7);
  });

  it('grows by the multiplier it is given', () => {
    const backoff = new RestartBackoff({ ...options, multiplier: 3, jitter: 0 });
    expect([backoff.next(0), backoff.next(0), backoff.next(0)]).toEqual([100, 300, 900]);
  });

  it('keeps the cap after many attempts (no Infinity, no NaN)', () => {
    const backoff = new RestartBackoff({ ...options, jitter: 0 });
    for (let i = 0; i < 2_000; i++) backoff.next(0);
    expect(backoff.next(0)).toBe(1_000);
  });

  it('multiplies each delay by a factor in [1 - jitter, 1 + jitter], default jitter 0.2', () => {
    const low = new RestartBackoff({ ...options, random: fixed(0) });
    const mid = new RestartBackoff({ ...options, random: fixed(0.5) });
    const high = new RestartBackoff({ ...options, random: fixed(0.999_999) });
    expect([low.next(0), low.next(0), low.next(0)]).toEqual([80, 160, 320]);
    expect([mid.next(0), mid.next(0), mid.next(0)]).toEqual([100, 200, 400]);
    expect([high.next(0), high.next(0), high.next(0)]).toEqual([120, 240, 480]);
  });

  it('stays inside the jitter bounds with a real random source', () => {
    const backoff = new RestartBackoff({ ...options, jitter: 0.5 });
    const first = Array.from({ length: 200 }, () => {
      backoff.reset();
      return backoff.next(0);
    });
    expect(Math.min(...first)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...first)).toBeLessThanOrEqual(150);
  });

  it('never exceeds maxMs, jitter included', () => {
    const backoff = new RestartBackoff({ ...options, random: fixed(0.999_999) });
    const delays = Array.from({ length: 8 }, () => backoff.next(0));
    expect(delays.slice(-3)).toEqual([1_000, 1_000, 1_000]);
  });

  it('starts over after an exit that follows a stable run', () => {
    const backoff = new RestartBackoff({ ...options, jitter: 0 });
    backoff.next(10);
    backoff.next(10);
    expect(backoff.next(9_999)).toBe(400);
    expect(backoff.next(10_000)).toBe(100);
    expect(backoff.attempts).toBe(1);
    expect(backoff.next(10)).toBe(200);
  });

  it('starts over on reset()', () => {
    const backoff = new RestartBackoff({ ...options, jitter: 0 });
    backoff.next(0);
    backoff.next(0);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next(0)).toBe(100);
  });

  it.each([
    { initialMs: -1 },
    { initialMs: 2_000 },
    { multiplier: 0.5 },
    { jitter: 1.5 },
    { jitter: -0.1 },
    { maxMs: Number.NaN },
  ])('refuses the options %j', (bad) => {
    expect(() => new RestartBackoff({ ...options, ...bad })).toThrow(RangeError);
  });
});
