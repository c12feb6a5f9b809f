import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { AdmittedRun, MAX_TIMER_MS } from './admitted-run';

type Reason = { kind: 'timeout' } | { kind: 'caller'; cause: unknown } | { kind: 'other' };

/** A run that records what the executor would be told. */
class Probe extends AdmittedRun<Reason> {
  readonly told: Reason[] = [];

  finish(): boolean {
    return this.settle();
  }

  protected timeoutReason(): Reason {
    return { kind: 'timeout' };
  }

  protected callerReason(cause: unknown): Reason {
    return { kind: 'caller', cause };
  }

  protected onAbort(reason: Reason): void {
    this.told.push(reason);
  }
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('AdmittedRun', () => {
  it('aborts once at its deadline, and stops listening to the caller', async () => {
    const { signal } = new AbortController();
    const run = new Probe(30, signal);
    run.arm();
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    await sleep(60);
    expect(run).toMatchObject({ aborted: true, reason: { kind: 'timeout' } });
    expect(run.told).toEqual([{ kind: 'timeout' }]);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it("aborts when the caller's signal does, with its reason, and drops the deadline", () => {
    const controller = new AbortController();
    const idle = timers();
    const run = new Probe(60_000, controller.signal);
    run.arm();
    expect(timers()).toBe(idle + 1);
    const cause = new Error('client went away');
    controller.abort(cause);
    expect(run.told).toEqual([{ kind: 'caller', cause }]);
    expect(timers()).toBe(idle);
  });

  it('aborts at once, with no timer, when the signal was aborted before', () => {
    const idle = timers();
    const run = new Probe(60_000, AbortSignal.abort('gone'));
    run.arm();
    expect(run.told).toEqual([{ kind: 'caller', cause: 'gone' }]);
    expect(timers()).toBe(idle);
  });

  it('keeps the first reason: later aborts and the deadline do nothing', async () => {
    const controller = new AbortController();
    const run = new Probe(20, controller.signal);
    run.arm();
    run.abort({ kind: 'other' });
    controller.abort();
    await sleep(40);
    expect(run.told).toEqual([{ kind: 'other' }]);
  });

  it('once settled, drops its timer and listener and ignores aborts', async () => {
    const { signal } = new AbortController();
    const idle = timers();
    const run = new Probe(20, signal);
    run.arm();
    expect(run.finish()).toBe(true);
    expect(run.finish()).toBe(false);
    expect(timers()).toBe(idle);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    run.abort({ kind: 'other' });
    await sleep(40);
    expect(run).toMatchObject({ aborted: false, settled: true, told: [] });
  });

  it('has no deadline with timeoutMs 0', () => {
    const idle = timers();
    new Probe(0, undefined).arm();
    expect(timers()).toBe(idle);
  });

  it('clamps a deadline past what setTimeout takes, instead of firing at once', async () => {
    const run = new Probe(MAX_TIMER_MS * 2, undefined);
    run.arm();
    await sleep(20);
    expect(run.aborted).toBe(false);
    run.finish();
  });
});
