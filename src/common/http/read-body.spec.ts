import { Readable } from 'node:stream';
import { BufferPool } from './buffer-pool';
import { readRawBody } from './read-body';

const KiB = 1024;

/** A body of `size` bytes arriving in 64 KiB chunks, each byte its offset modulo 251. */
function body(size: number): { bytes: Buffer; stream: Readable } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  const chunks: Buffer[] = [];
  for (let at = 0; at < size; at += 64 * KiB) chunks.push(bytes.subarray(at, at + 64 * KiB));
  return { bytes, stream: Readable.from(chunks, { objectMode: false }) };
}

describe('readRawBody into a BufferPool', () => {
  it('reads a body of declared size into a pooled buffer, which comes back for the next', async () => {
    const pool = new BufferPool({ maxSize: 1024 * KiB, maxRetainedBytes: 1024 * KiB });
    const first = body(300 * KiB);
    const read = await readRawBody(first.stream, 1024 * KiB, 'The upload', 300 * KiB, pool);
    expect(read.equals(first.bytes)).toBe(true);
    expect(read.buffer.byteLength).toBe(512 * KiB);

    pool.give(read);
    read.fill(0xff); // what the last body left in the pooled memory
    const second = body(400 * KiB);
    const again = await readRawBody(second.stream, 1024 * KiB, 'The upload', 400 * KiB, pool);
    expect(again.buffer).toBe(read.buffer);
    expect(again.length).toBe(400 * KiB);
    expect(again.equals(second.bytes)).toBe(true);
  });

  it('without a declared size, or past it, reads as before (not pooled)', async () => {
    const pool = new BufferPool({ maxSize: 1024 * KiB, maxRetainedBytes: 1024 * KiB });
    const { bytes, stream } = body(100 * KiB);
    const read = await readRawBody(stream, 1024 * KiB, 'The upload', undefined, pool);
    expect(read.equals(bytes)).toBe(true);
    pool.give(read);
    expect(pool.retainedBytes).toBe(0);
  });
});
