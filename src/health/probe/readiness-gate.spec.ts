import { ReadinessGate } from './readiness-gate';

describe('ReadinessGate', () => {
  let now = 0;
  const gate = () => new ReadinessGate(2_000, () => now);
  beforeEach(() => (now = 0));

  it('turns ready at once the first time', () => {
    const g = gate();
    expect(g.update(false, false)).toBe(false);
    expect(g.update(true, false)).toBe(true);
  });

  it('rides out a failure shorter than the hold, and turns after a longer one', () => {
    const g = gate();
    g.update(true, false);
    now = 100;
    expect(g.update(false, false)).toBe(true);
    now = 1_500;
    expect(g.update(false, false)).toBe(true);
    now = 1_600;
    expect(g.update(true, false)).toBe(true); // recovered: the clock starts over
    now = 1_700;
    expect(g.update(false, false)).toBe(true);
    now = 3_699;
    expect(g.update(false, false)).toBe(true);
    now = 3_700;
    expect(g.update(false, false)).toBe(false);
  });

  it('comes back only after the condition held for the hold time', () => {
    const g = gate();
    g.update(true, false);
    g.update(false, false);
    now = 2_000;
    expect(g.update(false, false)).toBe(false);
    now = 2_100;
    expect(g.update(true, false)).toBe(false);
    now = 4_100;
    expect(g.update(true, false)).toBe(true);
  });

  it('turns unready at once on shutdown, and stays so', () => {
    const g = gate();
    g.update(true, false);
    expect(g.update(true, true)).toBe(false);
    now = 10_000;
    expect(g.update(true, true)).toBe(false);
  });
});
