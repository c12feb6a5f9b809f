import { ServiceUnavailableException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

/**
 * Bounds the bytes held in memory for requests at once (uploads being read, queued and
 * processed). The queue limit bounds tasks, not their inputs: without this, many
 * concurrent 20 MiB uploads would all be buffered before any of them met the queue.
 */
export class ByteBudget {
  private held = 0;

  constructor(
    private readonly capacity: number,
    private readonly retryAfterSeconds = 1,
  ) {}

  get used(): number {
    return this.held;
  }

  /** True once what is held reaches the capacity. */
  get exhausted(): boolean {
    return this.held >= this.capacity;
  }

  /**
   * Counts `bytes` as held (negative: gives them back) without refusing: for memory that can
   * wait instead (see `readAhead`), which checks `exhausted`.
   */
  charge(bytes: number): void {
    this.held += bytes;
  }

  /** Holds `bytes` until `response` closes, or refuses with 503 + Retry-After. */
  reserve(bytes: number, response: ServerResponse): void {
    if (this.held + bytes > this.capacity) {
      response.setHeader('Retry-After', String(this.retryAfterSeconds));
      throw new ServiceUnavailableException(
        'Too many uploads are being processed at once; try again shortly',
      );
    }
    this.held += bytes;
    response.once('close', () => (this.held -= bytes));
  }
}
