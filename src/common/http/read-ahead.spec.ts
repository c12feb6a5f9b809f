import { PassThrough, Writable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { ByteBudget } from './byte-budget';
import { readAhead } from './read-ahead';

const KIB = 1024;
const chunk = (bytes: number) => Buffer.alloc(bytes, 'x');

function setup(capacity: number, limit = 1024 * KIB) {
  const source = new PassThrough();
  const budget = new ByteBudget(capacity);
  const overflows: number[] = [];
  const ahead = readAhead(source, { limit, budget, onOverflow: () => overflows.push(1) });
  return { source, budget, ahead, overflows };
}

describe('readAhead', () => {
  it('keeps reading its source with nobody consuming, charging what it holds', async () => {
    const { source, budget, ahead } = setup(1024 * KIB);
    for (let i = 0; i < 10; i++) source.write(chunk(64 * KIB));
    await tick();
    expect(ahead.readableLength).toBe(640 * KIB);
    expect(budget.used).toBe(640 * KIB);
    expect(source.isPaused()).toBe(false);
  });

  it('pauses its source once the shared budget is spent, and resumes as its consumer reads', async () => {
    const { source, budget, ahead } = setup(128 * KIB);
    for (let i = 0; i < 4; i++) source.write(chunk(64 * KIB));
    await tick();
    expect(source.isPaused()).toBe(true);
    expect(budget.exhausted).toBe(true);
    const received: Buffer[] = [];
    ahead.pipe(new Writable({ write: (data: Buffer, _e, done) => (received.push(data), done()) }));
    source.end();
    await new Promise((resolve) => ahead.once('end', resolve));
    expect(Buffer.concat(received).length).toBe(256 * KIB);
    await tick();
    expect(budget.used).toBe(0);
  });

  it('passes at most `limit` bytes and reports the overflow once', async () => {
    const { source, ahead, overflows } = setup(1024 * KIB, 100 * KIB);
    for (let i = 0; i < 4; i++) source.write(chunk(40 * KIB));
    await tick();
    expect(ahead.readableLength).toBe(80 * KIB);
    expect(overflows).toEqual([1]);
  });

  it('gives back what it held when destroyed, and stops reading its source', async () => {
    const { source, budget, ahead } = setup(1024 * KIB);
    source.write(chunk(64 * KIB));
    await tick();
    ahead.destroy();
    await tick();
    expect(budget.used).toBe(0);
    expect(source.listenerCount('data')).toBe(0);
  });

  it('fails, without a crash, when its source fails before anyone reads it', async () => {
    const { source, budget, ahead } = setup(1024 * KIB);
    source.write(chunk(KIB));
    source.destroy(new Error('aborted'));
    await tick();
    await tick();
    expect(ahead.destroyed).toBe(true);
    expect(ahead.errored?.message).toBe('aborted');
    expect(budget.used).toBe(0);
  });
});
