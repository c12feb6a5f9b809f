import { BufferPool } from './buffer-pool';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('BufferPool', () => {
  const pool = () => new BufferPool({ maxSize: 4 * MiB, maxRetainedBytes: 2 * MiB });

  it('serves exactly the size asked, in a store of the next power of two', () => {
    const buffers = pool();
    const buffer = buffers.take(300 * KiB);
    expect(buffer.length).toBe(300 * KiB);
    expect(buffer.byteOffset).toBe(0);
    expect(buffer.buffer.byteLength).toBe(512 * KiB);
  });

  it('reuses a buffer given back, for any size of its class', () => {
    const buffers = pool();
    const first = buffers.take(300 * KiB);
    buffers.give(first);
    expect(buffers.retainedBytes).toBe(512 * KiB);
    const second = buffers.take(400 * KiB);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(400 * KiB);
    expect(buffers.retainedBytes).toBe(0);
    // Another class is a store of its own.
    expect(buffers.take(200 * KiB).buffer).not.toBe(first.buffer);
  });

  it('takes back a view of its memory (a body cut short), the whole store', () => {
    const buffers = pool();
    const taken = buffers.take(300 * KiB);
    buffers.give(taken.subarray(0, 10));
    expect(buffers.take(300 * KiB).buffer).toBe(taken.buffer);
  });

  it('ignores a buffer it did not make, and one given back twice', () => {
    const buffers = pool();
    buffers.give(Buffer.allocUnsafeSlow(512 * KiB));
    buffers.give(Buffer.from('small'));
    expect(buffers.retainedBytes).toBe(0);

    const taken = buffers.take(300 * KiB);
    buffers.give(taken);
    buffers.give(taken);
    expect(buffers.retainedBytes).toBe(512 * KiB);
    const a = buffers.take(300 * KiB);
    const b = buffers.take(300 * KiB);
    expect(a.buffer).toBe(taken.buffer);
    expect(b.buffer).not.toBe(taken.buffer); // not handed out twice
  });

  it('keeps at most maxRetainedBytes of free buffers; the rest is left to the collector', () => {
    const buffers = pool();
    const taken = [1, 2, 3, 4, 5].map(() => buffers.take(300 * KiB));
    for (const buffer of taken) buffers.give(buffer);
    expect(buffers.retainedBytes).toBe(2 * MiB); // 4 of the 5
  });

  it('does not pool below 64 KiB nor above maxSize', () => {
    const buffers = pool();
    const small = buffers.take(10 * KiB);
    const large = buffers.take(5 * MiB);
    expect(small.length).toBe(10 * KiB);
    expect(large.length).toBe(5 * MiB);
    buffers.give(small);
    buffers.give(large);
    expect(buffers.retainedBytes).toBe(0);
    expect(large.buffer.byteLength).toBeLessThan(8 * MiB);
  });
});
