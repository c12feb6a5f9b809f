/** Keeps the last `limit` bytes written to it, never more (plus at most one chunk). */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.limit <= 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    while (this.length - this.chunks[0].length >= this.limit) {
      this.length -= this.chunks.shift()!.length;
    }
  }

  toBuffer(): Buffer {
    const all = Buffer.concat(this.chunks, this.length);
    return all.length > this.limit ? all.subarray(all.length - this.limit) : all;
  }
}

/** The last ≤ `maxBytes` of `buffer` as UTF-8, not starting inside a multi-byte character. */
export function utf8Tail(buffer: Buffer, maxBytes: number): string {
  let start = Math.max(0, buffer.length - maxBytes);
  while (start < buffer.length && (buffer[start] & 0xc0) === 0x80) start++;
  return buffer.toString('utf8', start);
}
