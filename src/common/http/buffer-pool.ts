/** The smallest size pooled: below it, a fresh buffer is cheap and short-lived enough. */
const MIN_POOLED = 64 * 1024;

export interface BufferPoolOptions {
  /** Bytes of free buffers kept for reuse at most; past it, a given-back buffer is dropped. */
  maxRetainedBytes: number;
  /** Largest buffer size served from the pool (rounded up to a power of two); larger are fresh. */
  maxSize: number;
}

/**
 * Buffers for request bodies read whole, reused from one request to the next.
 *
 * Why: a body that waits in the queue outlives two scavenges, so its memory is freed only by
 * a full mark-compact, and V8 counts such external memory towards the limit that starts one.
 * A fresh 300 KiB upload per image request made the service mark its whole 30 MiB heap about
 * every 70 requests (17 mark-compacts in 30 s of load; 1 with this pool): CPU a resize cost
 * through HTTP and not when sharp is called directly (BENCHMARKS.md, section 3b).
 *
 * A buffer is given back by whoever knows nothing reads it any more; one never given back is
 * simply collected. Sizes are rounded up to a power of two, so up to half of a pooled buffer
 * may be unused: what a request holds is budgeted on its size (ByteBudget), not on that.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Every backing store this pool made: only those are taken back, and each only once. */
  private readonly own = new WeakSet<ArrayBuffer>();
  private readonly idle = new WeakSet<ArrayBuffer>();
  private retained = 0;

  constructor(private readonly options: BufferPoolOptions) {}

  /** Bytes of free buffers held for reuse. */
  get retainedBytes(): number {
    return this.retained;
  }

  /**
   * A buffer of exactly `size` bytes whose content is undefined (a previous body's bytes):
   * the caller must write every byte it later reads.
   */
  take(size: number): Buffer {
    if (size < MIN_POOLED) return Buffer.allocUnsafe(size);
    const capacity = 2 ** Math.ceil(Math.log2(size));
    if (capacity > this.options.maxSize) return Buffer.allocUnsafe(size);
    const store = this.free.get(capacity)?.pop();
    if (store) {
      this.idle.delete(store);
      this.retained -= capacity;
      return Buffer.from(store, 0, size);
    }
    // allocUnsafeSlow: a store of its own, never a slice of Node's shared 8 KiB pool.
    const fresh = Buffer.allocUnsafeSlow(capacity);
    this.own.add(fresh.buffer);
    return fresh.subarray(0, size);
  }

  /**
   * Gives back a buffer {@link take} returned, once nothing reads it any more (nor any view of
   * its memory). Anything else, or the same buffer twice, is ignored.
   */
  give(buffer: Buffer): void {
    const store = buffer.buffer;
    if (!(store instanceof ArrayBuffer) || !this.own.has(store) || this.idle.has(store)) return;
    const capacity = store.byteLength;
    if (this.retained + capacity > this.options.maxRetainedBytes) return;
    let list = this.free.get(capacity);
    if (!list) this.free.set(capacity, (list = []));
    list.push(store);
    this.idle.add(store);
    this.retained += capacity;
  }
}
